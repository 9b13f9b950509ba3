// Export tab: downloads the JSON or CSV export with the Bearer token (fetch → Blob →
// object URL), since a plain link could not carry the token.
import { busy, byId, setText } from "./common.js";

function filenameFrom(res, format) {
  const header = res.headers.get("content-disposition") ?? "";
  const match = /filename="?([^";]+)"?/i.exec(header);
  const name = match ? match[1] : "";
  return /^[\w.-]+$/.test(name) ? name : `zapa-messages.${format}`;
}

export function createExportView(api) {
  async function download(format, button) {
    setText("export-status", "Preparing your download…");
    await busy(button, async () => {
      try {
        const res = await api.get(`/api/v1/messages/export?format=${format}`, { raw: true });
        const blob = await res.blob();
        const url = URL.createObjectURL(blob);
        const link = document.createElement("a");
        link.href = url;
        link.download = filenameFrom(res, format);
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
        setText("export-status", `Downloaded ${link.download}`);
      } catch (error) {
        if (error.status !== 401) setText("export-status", `Export failed: ${error.message}`);
      }
    });
  }

  byId("export-json").addEventListener("click", (e) => download("json", e.currentTarget));
  byId("export-csv").addEventListener("click", (e) => download("csv", e.currentTarget));

  return {
    show() {},
    hide() {},
    reset() {
      setText("export-status", "\u00a0");
    },
  };
}
