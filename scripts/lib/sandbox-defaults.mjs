import { randomBytes } from "node:crypto"
import { promises as fs, existsSync } from "node:fs"
import path from "node:path"

/**
 * `npm run dev`'s Click mode, applied to the environment Medusa starts with.
 * Sandbox mode (the default) gives the Click ids local values and the secret
 * key a random one kept in `dataRoot`, so the app starts with no .env, and
 * refunds and reversals go to the local Merchant API double. A CLICK_SECRET_KEY
 * of one's own is taken for a real Click merchant's: then sandbox mode is on
 * only when CLICK_SANDBOX=true says so, because the sandbox signs Click's
 * callbacks with that key. The provider itself never defaults the secret.
 * Returns the lines to tell the developer (paths relative to `projectDir`).
 */
export async function applySandboxDefaults(env, { dataRoot, projectDir }) {
  if (env.CLICK_SANDBOX === "false") return []
  if (env.CLICK_SANDBOX !== "true" && env.CLICK_SECRET_KEY) {
    env.CLICK_SANDBOX = "false"
    return [
      "CLICK_SECRET_KEY is set, so Click sandbox mode is off: payments go to Click itself. For the local sandbox with this key, set CLICK_SANDBOX=true.",
    ]
  }
  env.CLICK_SANDBOX = "true"
  env.CLICK_SERVICE_ID ||= "10001"
  env.CLICK_MERCHANT_ID ||= "20001"
  env.CLICK_MERCHANT_USER_ID ||= "30001"
  if (env.CLICK_SECRET_KEY) return []
  const file = path.join(dataRoot, "click-sandbox-secret-key")
  if (!existsSync(file)) {
    await fs.mkdir(path.dirname(file), { recursive: true })
    await fs.writeFile(file, randomBytes(24).toString("hex"), { mode: 0o600 })
  }
  env.CLICK_SECRET_KEY = (await fs.readFile(file, "utf8")).trim()
  return [`CLICK_SANDBOX: using a local Click secret key (stored in ${path.relative(projectDir, file)}).`]
}
