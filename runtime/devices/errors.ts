import { NetcError } from '../../compiler/diagnostics/netc-error.js';

/**
 * A device (worker thread or process) failed: it crashed, hung, disagreed at
 * start-up or reported an error. The message names the device; the CLI prints
 * it without a stack (the stack would be the coordinator's, not the cause).
 */
export class DeviceError extends NetcError {
  constructor(
    message: string,
    /** Index of the device at fault, when one is known. */
    readonly device: number | null = null,
  ) {
    super('NETC5404', message);
  }
}
