/** Resolves true once `check` holds, polling every `everyMs` for at most `ms` (demos only). */
export async function until(
  check: () => boolean | Promise<boolean>,
  ms: number,
  everyMs = 200
): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += everyMs) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return check();
}
