/** Queue and job names, and one payload type per job: a job's name says where its handler is. */
export enum QueueName {
  Consolidate = 'consolidate',
}

export enum JobName {
  ConsolidateBatch = 'consolidate-batch',
}

export interface ConsolidateBatchPayload {
  batchId: string;
}
