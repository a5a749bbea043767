// Image attachments for the next prompt: file picker, drag-and-drop and paste, with
// previews and a size limit. Images travel as data: URLs in `image_url` content parts.

import { formatBytes, h } from "./dom.js";

export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
export const MAX_IMAGES = 4;

function readAsDataUrl(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

export class Attachments {
  /** `previews`: where thumbnails go; `onError(message|null)`: shows or clears a problem. */
  constructor({ input, dropZone, pasteTarget, previews, onError }) {
    this.items = [];
    this.previews = previews;
    this.onError = onError;
    input.addEventListener("change", () => {
      this.add(input.files);
      input.value = "";
    });
    dropZone.addEventListener("dragover", (event) => {
      if (![...event.dataTransfer.types].includes("Files")) return;
      event.preventDefault();
      dropZone.classList.add("dragging");
    });
    dropZone.addEventListener("dragleave", () => dropZone.classList.remove("dragging"));
    dropZone.addEventListener("drop", (event) => {
      dropZone.classList.remove("dragging");
      if (!event.dataTransfer.files.length) return;
      event.preventDefault();
      this.add(event.dataTransfer.files);
    });
    pasteTarget.addEventListener("paste", (event) => {
      const files = [...(event.clipboardData?.files || [])];
      if (!files.length) return;
      event.preventDefault();
      this.add(files);
    });
  }

  async add(fileList) {
    const problems = [];
    for (const file of [...fileList]) {
      if (!file.type.startsWith("image/")) {
        problems.push(`${file.name || "The pasted file"} is not an image (${file.type || "unknown type"}).`);
      } else if (file.size > MAX_IMAGE_BYTES) {
        problems.push(`${file.name} is ${formatBytes(file.size)}; the limit is ${formatBytes(MAX_IMAGE_BYTES)} per image.`);
      } else if (this.items.length >= MAX_IMAGES) {
        problems.push(`At most ${MAX_IMAGES} images per message.`);
        break;
      } else {
        try {
          const url = await readAsDataUrl(file);
          this.items.push({ name: file.name || "pasted image", size: file.size, url });
        } catch (err) {
          problems.push(`${file.name} could not be read: ${err}`);
        }
      }
    }
    this.onError(problems.length ? problems.join("\n") : null);
    this.render();
  }

  /** The attachments of the prompt being sent; the composer starts empty again. */
  take() {
    const taken = this.items;
    this.items = [];
    this.render();
    return taken;
  }

  render() {
    this.previews.replaceChildren(
      ...this.items.map((item, index) =>
        h(
          "div",
          { class: "preview" },
          h("img", { src: item.url, alt: `Attached: ${item.name}` }),
          h("button", {
            type: "button",
            "aria-label": `Remove ${item.name}`,
            text: "×",
            on: {
              click: () => {
                this.items.splice(index, 1);
                this.render();
              },
            },
          }),
        ),
      ),
    );
  }
}
