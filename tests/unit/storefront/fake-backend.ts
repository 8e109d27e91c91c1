/**
 * A backend for the storefront helper's unit tests: answers each "METHOD path"
 * from `routes` and keeps what was asked, with the publishable key and the
 * customer's credentials each call carried.
 */
export function fakeBackend(routes: Record<string, (body: unknown) => { status: number; body: unknown }>) {
  const calls: Array<{
    call: string
    body: unknown
    key: string | null
    authorization: string | null
    credentials: RequestCredentials | undefined
  }> = []
  const fetch = (async (url: string, init: RequestInit) => {
    const call = `${init.method} ${new URL(url).pathname}`
    const body = init.body ? JSON.parse(String(init.body)) : undefined
    const headers = new Headers(init.headers)
    calls.push({ call, body, key: headers.get("x-publishable-api-key"), authorization: headers.get("authorization"), credentials: init.credentials })
    const route = routes[call]
    const answer = route ? route(body) : { status: 404, body: { message: "no route" } }
    return new Response(JSON.stringify(answer.body), { status: answer.status })
  }) as typeof globalThis.fetch
  return { calls, fetch }
}
