/** Where `medusa-click-certify` may find the Click secret key it signs with. */
export interface SecretKeySources {
  /** `--secret-key`: readable by every user of the machine in `ps`, and kept in shell history. */
  argument?: string
  /** `--secret-key-stdin`: the key is piped in. */
  fromStdin: boolean
  env: NodeJS.ProcessEnv
  readStdin: () => Promise<string>
}

export type SecretKeyResult = { ok: true; secretKey: string; warning?: string } | { ok: false; problem: string }

export const COMMAND_LINE_KEY_WARNING =
  "Warning: --secret-key puts the secret key on the command line, where other users of this machine can read it (ps, shell history). Set CLICK_SECRET_KEY or pipe the key to --secret-key-stdin instead."

/**
 * The secret key from standard input (`--secret-key-stdin`) or the
 * environment (CLICK_SECRET_KEY, as the backend reads it), or, with a
 * warning, from the command line.
 */
export async function resolveSecretKey(sources: SecretKeySources): Promise<SecretKeyResult> {
  if (sources.argument !== undefined) {
    if (sources.fromStdin) {
      return { ok: false, problem: "Give the secret key one way: --secret-key-stdin or --secret-key, not both." }
    }
    const secretKey = sources.argument.trim()
    return secretKey ? { ok: true, secretKey, warning: COMMAND_LINE_KEY_WARNING } : { ok: false, problem: "--secret-key is empty." }
  }
  if (sources.fromStdin) {
    const secretKey = (await sources.readStdin()).trim()
    return secretKey ? { ok: true, secretKey } : { ok: false, problem: "Nothing came on standard input: pipe the secret key to --secret-key-stdin." }
  }
  const secretKey = sources.env.CLICK_SECRET_KEY?.trim()
  return secretKey
    ? { ok: true, secretKey }
    : { ok: false, problem: "No secret key: set CLICK_SECRET_KEY, or pipe the key to --secret-key-stdin." }
}
