// The demo's admin, over Medusa's admin API: used by the tests and the bench.

/** Logs in as the seeded admin and returns a bearer token. */
export async function adminToken(baseUrl, email = "admin@example.com", password = "supersecret") {
  const response = await fetch(`${baseUrl}/auth/user/emailpass`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  })
  if (!response.ok) throw new Error(`admin login failed: ${response.status}`)
  return (await response.json()).token
}

/**
 * Adds Medusa's system payment provider to the "Uzbekistan" region. The demo
 * seed leaves it out (it authorizes anything); the tests and the bench need
 * it as the bare-Medusa baseline and as a "not Click" cart.
 */
export async function enableSystemProvider(baseUrl) {
  const token = await adminToken(baseUrl)
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" }
  const regions = await (await fetch(`${baseUrl}/admin/regions?name=Uzbekistan&fields=id,*payment_providers`, { headers })).json()
  const region = regions.regions[0]
  const providers = new Set(region.payment_providers.map((p) => p.id))
  providers.add("pp_system_default")
  const response = await fetch(`${baseUrl}/admin/regions/${region.id}`, {
    method: "POST",
    headers,
    body: JSON.stringify({ payment_providers: [...providers] }),
  })
  if (!response.ok) throw new Error(`enabling pp_system_default failed: ${response.status} ${await response.text()}`)
}
