// react-dom ships no types and the project needs only this of it (the admin's rows rendered to HTML in a test).
declare module "react-dom/server" {
  import type { ReactElement } from "react"
  export function renderToStaticMarkup(element: ReactElement): string
}
