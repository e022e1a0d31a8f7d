export * from './types';
export { renderCompose, ComposeRenderOptions } from './render';
export { backupServices, ComposeBackup, COMPOSE_BACKUP_DIR, BACKUP_PROFILE, RESTORE_PROFILE } from './backup';
export {
  renderNginxConf,
  NginxConfOptions,
  NginxIngressLike,
  NGINX_IMAGE,
  NGINX_LISTEN_PORT,
  NGINX_STATUS_PATH,
  NGINX_STATUS_PORT,
} from './nginx';
