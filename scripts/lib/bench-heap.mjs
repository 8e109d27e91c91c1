// Heap snapshots of a running backend, for the split bench's memory step.
// The backend is started with `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=<dir>`;
// a snapshot is a full GC and then every object still reachable, so what one
// snapshot holds beyond an earlier one was retained, not merely not yet collected.
import { readdirSync, readFileSync, statSync } from "node:fs"
import path from "node:path"

export const HEAP_SIGNAL = "SIGUSR2"

/** NODE_OPTIONS that let `takeHeapSnapshot` ask the process for a snapshot in `dir`. */
export const heapSnapshotNodeOptions = (dir) => `--heapsnapshot-signal=${HEAP_SIGNAL} --diagnostic-dir=${dir}`

const snapshotsIn = (dir) => new Set(readdirSync(dir).filter((f) => f.endsWith(".heapsnapshot")))

/**
 * Signals `pid` and waits for its snapshot file. Node writes it on the main
 * thread, so the file is complete once the process answers `healthUrl` again
 * and the file stopped growing.
 */
export async function takeHeapSnapshot(pid, dir, healthUrl, timeoutMs = 900_000) {
  const before = snapshotsIn(dir)
  process.kill(pid, HEAP_SIGNAL)
  const deadline = Date.now() + timeoutMs
  const pause = () => new Promise((resolve) => setTimeout(resolve, 250))
  let file = null
  while (!file) {
    if (Date.now() > deadline) throw new Error(`no heap snapshot from process ${pid} in ${dir}`)
    const added = [...snapshotsIn(dir)].filter((f) => !before.has(f))
    if (added.length > 1) throw new Error(`process ${pid} wrote ${added.length} heap snapshots: ${added.join(", ")}`)
    file = added[0] ? path.join(dir, added[0]) : null
    if (!file) await pause()
  }
  for (let size = -1; ; ) {
    if (Date.now() > deadline) throw new Error(`heap snapshot ${file} not finished in time`)
    const answered = await fetch(healthUrl, { signal: AbortSignal.timeout(5_000) }).then((r) => r.ok, () => false)
    const now = statSync(file).size
    if (answered && now === size && now > 0) return file
    size = now
    await pause()
  }
}

/** Finds `key` followed by `[` after `from`; returns the index just past the bracket. */
function arrayStart(buffer, key, from = 0) {
  const at = buffer.indexOf(`"${key}":[`, from)
  if (at < 0) throw new Error(`heap snapshot has no "${key}" array`)
  return at + key.length + 4
}

/**
 * Live objects of a V8 heap snapshot grouped as DevTools' Summary view does:
 * by constructor for objects, by kind for the rest ("(string)", "(closure)"…).
 * Returns Map(name → { count, bytes }) of self sizes, and the total. The file
 * is scanned as bytes: a large snapshot does not fit one JavaScript string.
 */
export function summarizeHeapSnapshot(file) {
  const buffer = readFileSync(file)
  const nodesAt = arrayStart(buffer, "nodes")
  const header = JSON.parse(buffer.toString("utf8", 0, buffer.indexOf(`"nodes":[`)).replace(/,\s*$/, "") + "}")
  const meta = header.snapshot.meta
  const fieldCount = meta.node_fields.length
  const typeField = meta.node_fields.indexOf("type")
  const nameField = meta.node_fields.indexOf("name")
  const sizeField = meta.node_fields.indexOf("self_size")
  const types = meta.node_types[typeField]
  const nodeCount = header.snapshot.node_count
  const typeOf = new Uint8Array(nodeCount)
  const nameOf = new Uint32Array(nodeCount)
  const sizeOf = new Float64Array(nodeCount)

  let field = 0
  let node = 0
  let value = 0
  let inNumber = false
  for (let i = nodesAt; node < nodeCount; i++) {
    const byte = buffer[i]
    if (byte >= 48 && byte <= 57) {
      value = value * 10 + (byte - 48)
      inNumber = true
      continue
    }
    if (!inNumber) {
      if (byte === 93) break // "]"
      continue
    }
    if (field === typeField) typeOf[node] = value
    else if (field === nameField) nameOf[node] = value
    else if (field === sizeField) sizeOf[node] = value
    value = 0
    inNumber = false
    if (++field === fieldCount) {
      field = 0
      node++
    }
    if (byte === 93) break
  }
  if (node !== nodeCount) throw new Error(`heap snapshot ${file}: read ${node} of ${nodeCount} nodes`)

  const stringsAt = buffer.lastIndexOf(`"strings":[`)
  const strings = JSON.parse(buffer.toString("utf8", stringsAt + `"strings":`.length, buffer.lastIndexOf("]") + 1))

  const groups = new Map()
  let total = 0
  for (let n = 0; n < nodeCount; n++) {
    const type = types[typeOf[n]]
    const name =
      type === "object" || type === "native" ? strings[nameOf[n]] || "(anonymous)" : `(${type})`
    const group = groups.get(name) ?? { count: 0, bytes: 0 }
    group.count++
    group.bytes += sizeOf[n]
    groups.set(name, group)
    total += sizeOf[n]
  }
  return { groups, total, nodes: nodeCount }
}

/**
 * What the later snapshot retains beyond the earlier: total live bytes of
 * each, and the constructors that grew most (by bytes). A leak of something
 * per callback shows as a constructor gaining about one object per callback.
 */
export function compareHeapSnapshots(before, after, { callbacks, top = 10 }) {
  const names = new Set([...before.groups.keys(), ...after.groups.keys()])
  const rows = [...names].map((name) => {
    const a = before.groups.get(name) ?? { count: 0, bytes: 0 }
    const b = after.groups.get(name) ?? { count: 0, bytes: 0 }
    return { constructor: name, count_delta: b.count - a.count, bytes_delta: b.bytes - a.bytes, count_after: b.count }
  })
  const grown = rows.filter((r) => r.bytes_delta > 0 || r.count_delta > 0)
  grown.sort((x, y) => y.bytes_delta - x.bytes_delta)
  // Compiled code comes and goes with the JIT's (de)optimisations, bounded by
  // the program's functions: not something a callback can leave behind.
  const mostObjectsGained = Math.max(0, ...rows.filter((r) => r.constructor !== "(code)").map((r) => r.count_delta))
  return {
    live_mb_before: Number((before.total / 1048576).toFixed(1)),
    live_mb_after: Number((after.total / 1048576).toFixed(1)),
    growth_pct: Number((((after.total - before.total) / before.total) * 100).toFixed(2)),
    retained_bytes_per_callback: Number(((after.total - before.total) / callbacks).toFixed(1)),
    most_objects_gained_by_one_constructor_except_code: mostObjectsGained,
    top_growth: grown.slice(0, top),
  }
}
