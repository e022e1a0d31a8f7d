/** The one place that decides the names of objects that others refer to. */
export const names = {
  configMap: (workload: string) => `${workload}-config`,
  postgresSecret: (database: string) => `${database}-credentials`,
  postgresHeadless: (database: string) => `${database}-headless`,
  backupClaim: (database: string) => `${database}-backups`,
  dataClaim: (workload: string) => `${workload}-data`,
} as const;
