"""Artifact items: produce a CSV, JSON or Markdown file whose content is checked."""

from __future__ import annotations

import json
import re

from common import task

DELIVERY = (
    "Deliver it as a file attached to your answer (an artifact), not only as text in the reply."
)


def _item(prompt: str, mime_type: str, content: dict, name: str, text: str) -> dict:
    reference = {
        "text": f"I attached {name}.",
        "artifacts": [{"name": name, "mime_type": mime_type, "content": text}],
    }
    check = {"kind": "artifact", "mime_type": mime_type, "content": content}
    return task("artifact", f"{prompt} {DELIVERY}", check, reference)


def csv_item(name: str, prompt: str, header: list[str], rows: list[list]) -> dict:
    """The file must be exactly these lines (CRLF or LF, an optional final newline)."""
    lines = [",".join(header)] + [",".join(_csv_field(value) for value in row) for row in rows]
    pattern = r"\r?\n".join(re.escape(line) for line in lines) + r"(?:\r?\n)?"
    content = {"kind": "regex", "pattern": pattern}
    return _item(
        f"Create a CSV file named `{name}`: {prompt}",
        "text/csv",
        content,
        name,
        "\n".join(lines) + "\n",
    )


def _csv_field(value) -> str:
    text = str(value)
    return f'"{text}"' if "," in text or '"' in text else text


def json_item(name: str, prompt: str, value, schema: dict | None = None) -> dict:
    """The file must hold exactly ``value`` (numbers by value), unless a schema is given."""
    content = {"kind": "json_schema", "schema": schema or {"const": value}}
    text = json.dumps(value, indent=2) + "\n"
    return _item(
        f"Create a JSON file named `{name}`: {prompt}", "application/json", content, name, text
    )


def markdown_item(name: str, prompt: str, patterns: list[str], terms: list[str], text: str):
    """Each pattern must match a line of the file (multi-line regex); terms must appear."""
    parts: list[dict] = [
        {"kind": "regex", "pattern": rf"(?:.*\n)*?{pattern}(?:\n.*)*"}
        for pattern in (line.replace(r"[ \t]*", r"[ \t\r]*") for line in patterns)
    ]
    if terms:
        parts.append({"kind": "contains", "terms": terms})
    content = {"kind": "all_of", "checks": parts}
    return _item(
        f"Create a Markdown file named `{name}`: {prompt}", "text/markdown", content, name, text
    )


def dev() -> list[dict]:
    return [
        csv_item(
            "moons.csv",
            "a header line `planet,moons`, then one line for each of Mars (2 moons), Jupiter "
            "(95 moons) and Neptune (16 moons), sorted by number of moons, most first. No "
            "spaces, no quotes, no other lines.",
            ["planet", "moons"],
            [["Jupiter", 95], ["Neptune", 16], ["Mars", 2]],
        ),
        json_item(
            "deploy.json",
            'one object with exactly these keys: "service" set to the string "orbit", '
            '"replicas" set to the number 3, "ports" set to the list 80, 443 (in that order) '
            'and "public" set to true.',
            {"service": "orbit", "replicas": 3, "ports": [80, 443], "public": True},
        ),
        markdown_item(
            "release-notes.md",
            "release notes that start with the level-1 heading `# Release 2.4`, then a level-2 "
            "heading `## Added` with the bullet `- Dark mode`, then a level-2 heading "
            "`## Fixed` with the bullet `- Crash on empty search`.",
            [
                r"# Release 2\.4[ \t]*",
                r"## Added[ \t]*\n+[-*] Dark mode\.?[ \t]*",
                r"## Fixed[ \t]*\n+[-*] Crash on empty search\.?[ \t]*",
            ],
            [],
            "# Release 2.4\n\n## Added\n\n- Dark mode\n\n## Fixed\n\n- Crash on empty search\n",
        ),
        csv_item(
            "squares.csv",
            "a header line `n,square`, then one line per integer n from 1 to 12 in order, "
            "with n and its square. No spaces, no quotes, no other lines.",
            ["n", "square"],
            [[n, n * n] for n in range(1, 13)],
        ),
        json_item(
            "inventory.json",
            'a list of objects, one per item in this order, each with exactly the keys "sku" '
            '(string) and "qty" (integer): BX-1 with 40, BX-7 with 0, CR-2 with 13.',
            [{"sku": "BX-1", "qty": 40}, {"sku": "BX-7", "qty": 0}, {"sku": "CR-2", "qty": 13}],
        ),
        markdown_item(
            "capitals.md",
            "a Markdown table with the header row `| Country | Capital |` and one row for "
            "each of Kenya, Peru and Vietnam with its capital city, in that order.",
            [
                r"\|[ \t]*Country[ \t]*\|[ \t]*Capital[ \t]*\|[ \t]*",
                r"\|[ \t]*Kenya[ \t]*\|[ \t]*Nairobi[ \t]*\|[ \t]*",
                r"\|[ \t]*Peru[ \t]*\|[ \t]*Lima[ \t]*\|[ \t]*",
                r"\|[ \t]*Vietnam[ \t]*\|[ \t]*Hanoi[ \t]*\|[ \t]*",
            ],
            [],
            "| Country | Capital |\n|---|---|\n| Kenya | Nairobi |\n| Peru | Lima |\n"
            "| Vietnam | Hanoi |\n",
        ),
    ]


def train() -> list[dict]:
    primes = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]
    return [
        csv_item(
            "cities.csv",
            "a header line `city,population`, then Tallinn (457000), Riga (605000) and "
            "Vilnius (592000), sorted by population, smallest first. Write the numbers "
            "without separators. No spaces, no quotes, no other lines.",
            ["city", "population"],
            [["Tallinn", 457000], ["Vilnius", 592000], ["Riga", 605000]],
        ),
        csv_item(
            "times7.csv",
            "a header line `n,product`, then one line for each n from 1 to 10 with n times 7. "
            "No spaces, no quotes, no other lines.",
            ["n", "product"],
            [[n, n * 7] for n in range(1, 11)],
        ),
        json_item(
            "profile.json",
            'one object with exactly the keys "username" ("kestrel42"), "age" (37), '
            '"languages" (the list "en", "pt") and "verified" (false).',
            {"username": "kestrel42", "age": 37, "languages": ["en", "pt"], "verified": False},
        ),
        json_item(
            "primes.json",
            "a JSON list of the first ten prime numbers in ascending order, nothing else.",
            primes,
        ),
        markdown_item(
            "minutes.md",
            "meeting minutes with the level-1 heading `# Minutes 2026-02-03` and a level-2 "
            "heading `## Action items` followed by three unchecked task-list items: `Book the "
            "venue`, `Send the agenda` and `Order badges`.",
            [
                r"# Minutes 2026-02-03[ \t]*",
                r"## Action items[ \t]*",
                r"[-*] \[ \] Book the venue\.?[ \t]*",
                r"[-*] \[ \] Send the agenda\.?[ \t]*",
                r"[-*] \[ \] Order badges\.?[ \t]*",
            ],
            [],
            "# Minutes 2026-02-03\n\n## Action items\n\n- [ ] Book the venue\n"
            "- [ ] Send the agenda\n- [ ] Order badges\n",
        ),
        markdown_item(
            "README.md",
            "a README for a tool called orbit-cli with the level-1 heading `# orbit-cli`, a "
            "short description paragraph, and a level-2 heading `## Installation` followed by "
            "a fenced code block containing the command `pip install orbit-cli`.",
            [
                r"# orbit-cli[ \t]*",
                r"## Installation[ \t]*",
                r"```[a-z]*[ \t]*\n(?:\$ )?pip install orbit-cli[ \t]*\n```[ \t]*",
            ],
            ["orbit-cli"],
            "# orbit-cli\n\nA command line client for Orbit deployments.\n\n"
            "## Installation\n\n```sh\npip install orbit-cli\n```\n",
        ),
        csv_item(
            "celsius.csv",
            "a header line `celsius,fahrenheit`, then one line for each of 0, 10, 20, 30, 40 "
            "and 50 °C with the exact Fahrenheit value written as an integer. No spaces, no "
            "quotes, no other lines.",
            ["celsius", "fahrenheit"],
            [[c, c * 9 // 5 + 32] for c in range(0, 60, 10)],
        ),
        json_item(
            "letters.json",
            'one object mapping each distinct letter of the word "JANUS" to its position in '
            'the English alphabet (A = 1), e.g. "A": 1.',
            {"J": 10, "A": 1, "N": 14, "U": 21, "S": 19},
        ),
        csv_item(
            "mottos.csv",
            "a header line `city,motto`, then the row for Velmora with the motto `Onward, "
            "always` and the row for Dunmere with the motto `Steady`, in that order. Quote "
            "a field only when it contains a comma (standard CSV quoting).",
            ["city", "motto"],
            [["Velmora", "Onward, always"], ["Dunmere", "Steady"]],
        ),
        markdown_item(
            "packing.md",
            "a packing list with the level-2 heading `## Packing list` followed by exactly "
            "these bullets in this order: `Passport`, `Charger`, `Rain jacket`, `Sunscreen`.",
            [
                r"## Packing list[ \t]*\n+[-*] Passport[ \t]*\n[-*] Charger[ \t]*\n"
                r"[-*] Rain jacket[ \t]*\n[-*] Sunscreen[ \t]*",
            ],
            [],
            "## Packing list\n\n- Passport\n- Charger\n- Rain jacket\n- Sunscreen\n",
        ),
        json_item(
            "point.json",
            "a GeoJSON Feature whose geometry is a Point at longitude 24.1052, latitude "
            '56.9496 (GeoJSON order: longitude first) with a "properties" object holding '
            '"name": "Riga".',
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [24.1052, 56.9496]},
                "properties": {"name": "Riga"},
            },
            {
                "type": "object",
                "properties": {
                    "type": {"const": "Feature"},
                    "geometry": {"const": {"type": "Point", "coordinates": [24.1052, 56.9496]}},
                    "properties": {
                        "type": "object",
                        "properties": {"name": {"const": "Riga"}},
                        "required": ["name"],
                    },
                },
                "required": ["type", "geometry", "properties"],
            },
        ),
        csv_item(
            "shifts.csv",
            "a header line `day,start,end`, then Monday 08:00-16:00, Wednesday 12:00-20:00 "
            "and Friday 06:30-14:30, one line each in that order, times as HH:MM. No spaces, "
            "no quotes, no other lines.",
            ["day", "start", "end"],
            [
                ["Monday", "08:00", "16:00"],
                ["Wednesday", "12:00", "20:00"],
                ["Friday", "06:30", "14:30"],
            ],
        ),
    ]
