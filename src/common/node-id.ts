import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

/** This process's name in the cluster: prefixes what its consumers hold, so nodes never mix them up. */
@Injectable()
export class NodeId {
  readonly value = randomUUID().slice(0, 8);
}
