/** The message of anything thrown, for people (never a stack, never key material). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
