/** Queue and job names, and one payload type per job: a job's name says where its handler is. */
export enum QueueName {
  Consolidate = 'consolidate',
  Pull = 'pull',
}

export enum JobName {
  ConsolidateBatch = 'consolidate-batch',
  PullSource = 'pull-source',
}

export interface PullSourcePayload {
  sourceId: string;
}

export interface ConsolidateBatchPayload {
  batchId: string;
}
