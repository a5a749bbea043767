// The header every page shares: brand, navigation, the current page marked.

import { h } from "./dom.js";

const LINKS = [
  ["/", "Home"],
  ["/chat", "Chat"],
  ["/arena", "Arena"],
  ["/competition", "Competition"],
  ["/marketplace", "Marketplace"],
];

/** The page's own link is marked, also on a page's deep links (`/chat/<id>`). */
function isHere(href, here) {
  return href === here || (href !== "/" && here.startsWith(`${href}/`));
}

export function renderHeader() {
  const header = document.getElementById("site-header");
  const here = window.location.pathname;
  header.replaceChildren(
    h("a", { class: "skip-link", href: "#content", text: "Skip to content" }),
    h("a", { class: "brand", href: "/" }, h("span", { text: "◐ ", "aria-hidden": "true" }), "Janus"),
    h(
      "nav",
      { class: "site-nav", "aria-label": "Main" },
      LINKS.map(([href, label]) =>
        h("a", { href, text: label, "aria-current": isHere(href, here) ? "page" : null }),
      ),
    ),
  );
}

renderHeader();
