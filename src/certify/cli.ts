#!/usr/bin/env node
import { parseArgs } from "node:util"
import { formatCertificationTable, ORDERS_NEEDED, runCertification, type CertificationOrder } from "./certification"
import { resolveSecretKey } from "./secret-key"
import { createStoreOrders } from "./store-orders"

const HELP = `medusa-click-certify: runs Click's certification sequence against a merchant's
Prepare and Complete URLs and exits 0 only if every step passes.

Options
  --prepare-url URL         the merchant's Prepare URL (required)
  --complete-url URL        the merchant's Complete URL (required)
  --service-id ID           the Click service id the merchant is configured with (required)
  --secret-key-stdin        read the service's secret key, to sign as Click does, from standard
                            input (default: the CLICK_SECRET_KEY environment variable)
  --secret-key KEY          the same on the command line, where other users see it in ps: avoid
  --medusa-url URL          a Medusa backend whose store API makes the ${ORDERS_NEEDED} fresh orders…
  --publishable-key KEY     …with this publishable API key
  --merchant-trans-id ID    …or name ${ORDERS_NEEDED} fresh unpaid orders yourself (repeat the option)
  --amount SOUMS            what each of those orders owes, e.g. 58400.00
  --cancel-answer -4|-9     the answer to a cancel of a confirmed payment (default -4)
  --help                    this text

Steps 1-15 are Click's own sequence; x1-x6 check what Click's tool does not: stale and
future sign_time, a Complete naming another order's prepare id, unknown prepare ids of
11, 12 and 25 digits, and 10 identical Completes at once.`

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      "prepare-url": { type: "string" },
      "complete-url": { type: "string" },
      "service-id": { type: "string" },
      "secret-key": { type: "string" },
      "secret-key-stdin": { type: "boolean" },
      "medusa-url": { type: "string" },
      "publishable-key": { type: "string" },
      "merchant-trans-id": { type: "string", multiple: true },
      amount: { type: "string" },
      "cancel-answer": { type: "string" },
      help: { type: "boolean" },
    },
  })
  if (values.help) {
    console.log(HELP)
    return 0
  }
  const missing = ["prepare-url", "complete-url", "service-id"].filter((name) => !values[name as keyof typeof values])
  if (missing.length) {
    console.error(`Missing ${missing.map((name) => `--${name}`).join(", ")}. See --help.`)
    return 2
  }
  const key = await resolveSecretKey({
    argument: values["secret-key"],
    fromStdin: values["secret-key-stdin"] === true,
    env: process.env,
    readStdin: () => text(process.stdin),
  })
  if (!key.ok) {
    console.error(`${key.problem} See --help.`)
    return 2
  }
  if (key.warning) console.error(key.warning)
  let orders: CertificationOrder[]
  if (values["medusa-url"] && values["publishable-key"]) {
    orders = await createStoreOrders(values["medusa-url"], values["publishable-key"], ORDERS_NEEDED)
  } else if ((values["merchant-trans-id"]?.length ?? 0) >= ORDERS_NEEDED && values.amount) {
    orders = values["merchant-trans-id"]!.map((merchantTransId) => ({ merchantTransId, amount: values.amount! }))
  } else {
    console.error(`Fresh orders are needed: --medusa-url with --publishable-key, or --merchant-trans-id ${ORDERS_NEEDED} times with --amount. See --help.`)
    return 2
  }
  const steps = await runCertification({
    prepareUrl: values["prepare-url"]!,
    completeUrl: values["complete-url"]!,
    serviceId: values["service-id"]!,
    secretKey: key.secretKey,
    orders,
    cancelOfConfirmedAnswer: values["cancel-answer"] === "-9" ? -9 : -4,
  })
  console.log(formatCertificationTable(steps))
  const failed = steps.filter((step) => !step.passed)
  console.log(failed.length ? `\n${failed.length} step(s) failed: ${failed.map((s) => s.step).join(", ")}` : "\nAll steps passed.")
  return failed.length ? 1 : 0
}

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer))
  return Buffer.concat(chunks).toString("utf8")
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`medusa-click-certify: ${error.message}`)
    process.exit(2)
  }
)
