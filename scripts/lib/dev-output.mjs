// Where `npm run dev`'s own output goes, and whether Medusa's file watcher would see it.
import { fstatSync, readlinkSync } from "node:fs"
import path from "node:path"
import { FriendlyError } from "./postgres.mjs"

/**
 * What `medusa develop`'s watcher leaves alone (@medusajs/medusa, commands/develop.js): any
 * dot folder or dotfile, and these folders at the project's root.
 */
const UNWATCHED_ROOT_FOLDERS = ["node_modules", "dist", "static", "private", ".medusa"]

/** Whether a change to `file` (a path inside `projectDir`) restarts `medusa develop`. */
export function restartsMedusaDevelop(projectDir, file) {
  const segments = path.relative(projectDir, file).split(path.sep)
  if (segments[0] === "..") return false
  if (segments.some((segment) => segment.startsWith("."))) return false
  if (UNWATCHED_ROOT_FOLDERS.includes(segments[0])) return false
  return !(segments[0] === "src" && segments[1] === "admin")
}

/** The regular file a descriptor of this process writes to, or null (a terminal, a pipe, /dev/null, or no /proc). */
function fileOfDescriptor(fd) {
  try {
    return fstatSync(fd).isFile() ? readlinkSync(`/proc/self/fd/${fd}`) : null
  } catch {
    return null
  }
}

/**
 * Refuses to start when this process's output goes into a file that `medusa develop` watches
 * (`npm run dev > dev.log` in the project): each line written would restart the server,
 * which writes more lines, without end.
 */
export function refuseWatchedOutputFile(projectDir) {
  for (const fd of [1, 2]) {
    const file = fileOfDescriptor(fd)
    if (file && restartsMedusaDevelop(projectDir, file)) {
      const name = path.relative(projectDir, file)
      throw new FriendlyError(
        `npm run dev writes into ${name}, inside the project, where Medusa's file watcher restarts the server ` +
          `each time the file grows. Write the log under .data/ (npm run dev > .data/dev.log) or outside the project.`
      )
    }
  }
}
