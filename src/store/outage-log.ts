import { Logger } from '@nestjs/common';

/**
 * Says once, at error, that the store stopped taking writes, and why (a full disk, a file system gone
 * read-only, an I/O error), and once that it works again — instead of one line per refused write, or
 * nothing when nobody asks /health.
 */
export class OutageLog {
  private cause: string | null = null;

  constructor(private readonly logger: Logger) {}

  get down(): boolean {
    return this.cause !== null;
  }

  failed(cause: string): void {
    if (this.cause === cause) return;
    this.cause = cause;
    this.logger.error(`the message store cannot take writes: ${cause}`);
  }

  recovered(): void {
    if (this.cause === null) return;
    this.logger.warn(`the message store takes writes again (it could not: ${this.cause})`);
    this.cause = null;
  }
}
