/**
 * The HTML frame both UIs share: one stylesheet, one ES module, no inline script or style
 * (R-OUTPUT-3). Pages pass their body; dynamic data arrives later through the API and is
 * written with `textContent` by the modules.
 */
import type { Child } from "hono/jsx";

export interface LayoutProps {
  title: string;
  script: string;
  bodyClass: string;
  children?: Child;
}

export function Layout(props: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{props.title}</title>
        <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/static/app.css" />
        <script type="module" src={`/static/${props.script}`}></script>
      </head>
      <body class={props.bodyClass}>{props.children}</body>
    </html>
  );
}

/** The brand mark in the top bar. */
export function Brand(props: { suffix?: string }) {
  return (
    <span class="brand">
      <span class="brand-mark" aria-hidden="true">Z</span>
      <span class="brand-name">Zapa</span>
      {props.suffix ? <span class="brand-suffix">{props.suffix}</span> : null}
    </span>
  );
}
