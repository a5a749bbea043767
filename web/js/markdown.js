// Markdown for answers: parsed by marked, sanitised by DOMPurify, code highlighted by
// highlight.js, each code block labelled with its language and given a copy button.
// Answers are untrusted: nothing they contain reaches the page without DOMPurify.

import { marked } from "../vendor/marked/marked.esm.js";
import DOMPurify from "../vendor/dompurify/purify.es.mjs";
import hljs from "../vendor/highlight.js/highlight.min.js";
import { h } from "./dom.js";

marked.setOptions({ gfm: true });

// Raw HTML in an answer loses its event handlers and inline styles before anything parses
// it. Not the security barrier (DOMPurify is, below): Chromium checks them against the
// page's CSP even in DOMPurify's inert DOMParser document (an <img>'s error fires there)
// and reports each refusal, a console error on every re-render of a streaming answer.
const INLINE_ATTRIBUTE = /\s(?:on[a-z]+|style)\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)/gi;
marked.use({
  walkTokens(token) {
    if (token.type === "html" && typeof token.text === "string") {
      token.text = token.text.replace(INLINE_ATTRIBUTE, "");
    }
  },
});
hljs.configure({ ignoreUnescapedHTML: true });

// What an answer may not bring at all: media the page's Content-Security-Policy refuses
// anyway (each refusal a console error, on every re-render while streaming), inline styles
// (refused too) and responsive image sources (which would bypass the image rule below).
const SANITIZE = {
  USE_PROFILES: { html: true },
  FORBID_TAGS: ["audio", "video", "source", "picture", "track"],
  FORBID_ATTR: ["style", "srcset"],
};

/** Images an answer may show: the gateway's own files (artifacts) and inline images.
 * Anything else is never requested (not even a 404 on this origin). */
function allowedImage(src) {
  if (/^data:image\//i.test(src)) return true;
  try {
    const url = new URL(src, window.location.href);
    return url.origin === window.location.origin && url.pathname.startsWith("/v1/artifacts/");
  } catch {
    return false;
  }
}

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A" && node.hasAttribute("href")) {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer");
  }
  if (node.tagName === "IMG" && !allowedImage(node.getAttribute("src") || "")) {
    node.removeAttribute("src");
    node.setAttribute("title", "Image not shown: answers may only show the gateway's files");
  }
});

/** Replace the content of `target` with `text` rendered as sanitised Markdown. */
export function renderMarkdown(target, text) {
  target.innerHTML = DOMPurify.sanitize(marked.parse(text), SANITIZE);
  for (const code of target.querySelectorAll("pre > code")) {
    highlight(code);
    addCopyButton(code.parentElement, code);
  }
}

/** Highlight one code element (used for JSON documents outside answers too). */
export function highlight(code) {
  hljs.highlightElement(code);
}

/** The fence's language (```python), from the class marked gives the code element. */
function languageOf(code) {
  const name = [...code.classList].find((c) => c.startsWith("language-"));
  return name ? name.slice("language-".length).slice(0, 30) : "";
}

function addCopyButton(pre, code) {
  const wrapper = h("div", { class: "code-block" });
  const language = languageOf(code);
  if (language) wrapper.append(h("span", { class: "code-language", text: language }));
  pre.replaceWith(wrapper);
  const button = h("button", { type: "button", class: "copy", text: "Copy" });
  button.addEventListener("click", async () => {
    button.textContent = (await copyText(code.textContent)) ? "Copied" : "Copy failed";
    setTimeout(() => {
      button.textContent = "Copy";
    }, 1500);
  });
  wrapper.append(pre, button);
}

/** Copy to the clipboard; outside a secure context fall back to a selection copy. */
export async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // permission refused: try the fallback
    }
  }
  const area = h("textarea", { class: "visually-hidden", "aria-hidden": "true" });
  area.value = text;
  document.body.append(area);
  area.select();
  const copied = document.execCommand("copy");
  area.remove();
  return copied;
}
