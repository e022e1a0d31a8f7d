export * from './types';
export { renderCompose, ComposeRenderOptions } from './render';
export { renderNginxConf, NginxConfOptions, NginxIngressLike, NGINX_IMAGE, NGINX_LISTEN_PORT } from './nginx';
