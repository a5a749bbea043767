"""Streaming items: long answers, checked for length, structure and required terms."""

from __future__ import annotations

import re

from common import task

MAX_WORDS = 2500


def _in_order(prefixes: list[str]) -> dict:
    """Lines starting with each prefix, in this order, anywhere in the answer. Each step is
    atomic (the first match is kept), so a long answer that fails costs linear time, not
    an explosion of backtracking."""
    body = "".join(rf"(?>.*?^{re.escape(prefix)})" for prefix in prefixes)
    return {"kind": "regex", "pattern": rf"{body}.*", "flags": "ms"}


def _check(min_words: int, structure: dict, terms: list[str]) -> dict:
    return {
        "kind": "all_of",
        "checks": [
            {"kind": "length", "min_words": min_words, "max_words": MAX_WORDS},
            structure,
            {"kind": "contains", "terms": terms},
        ],
    }


def essay(topic: str, sections: dict[str, str], terms: list[str], min_words: int = 200) -> dict:
    """An explanation with these level-2 sections in order; ``sections`` maps each heading
    to the reference's paragraph."""
    headings = list(sections)
    listed = ", ".join(f"`## {heading}`" for heading in headings)
    prompt = (
        f"{topic} Write at least {min_words} words, organised under exactly these level-2 "
        f"Markdown headings, in this order: {listed}. Mention {_listing(terms)}."
    )
    reference = "\n\n".join(f"## {heading}\n\n{text}" for heading, text in sections.items())
    return task(
        "streaming",
        prompt,
        _check(min_words, _in_order([f"## {h}" for h in headings]), terms),
        reference,
        max_tokens=2048,
    )


def numbered(topic: str, steps: list[str], terms: list[str], min_words: int) -> dict:
    """A numbered list of exactly ``len(steps)`` items (``1.``, ``2.`` ...)."""
    count = len(steps)
    prompt = (
        f"{topic} Write it as a numbered list of exactly {count} items (`1.` to `{count}.`), "
        f"each item one or two full sentences, at least {min_words} words in total. "
        f"Mention {_listing(terms)}."
    )
    reference = "\n".join(f"{n}. {step}" for n, step in enumerate(steps, start=1))
    structure = _in_order([f"{n}. " for n in range(1, count + 1)])
    return task(
        "streaming", prompt, _check(min_words, structure, terms), reference, max_tokens=2048
    )


def lines(prompt: str, rows: list[str], terms: list[str], min_words: int) -> dict:
    """A long mechanical listing: every line given, in order."""
    return task(
        "streaming",
        prompt,
        _check(min_words, _in_order([f"{row}\n" for row in rows[:-1]] + rows[-1:]), terms),
        "\n".join(rows),
        max_tokens=4096,
    )


def _listing(terms: list[str]) -> str:
    quoted = [f"'{term}'" for term in terms]
    return ", ".join(quoted[:-1]) + f" and {quoted[-1]}" if len(quoted) > 1 else quoted[0]


def dev() -> list[dict]:
    squares = [f"{n}: {n * n}" for n in range(1, 121)]
    return [
        essay(
            "Explain how a household refrigerator keeps food cold.",
            {
                "Compression": "The cycle starts at the compressor, an electric pump at the "
                "back of the fridge. It squeezes the refrigerant, a gas with a very low boiling "
                "point, into a small volume. Compressing the gas raises both its pressure and "
                "its temperature, so the refrigerant leaves the compressor as a hot, "
                "high-pressure vapour that is warmer than the air in the kitchen.",
                "Condensation": "The hot vapour flows through the condenser coils, the black "
                "grid you can see behind or underneath the appliance. Because the vapour is "
                "hotter than the room, heat flows out of it into the kitchen air. As it sheds "
                "that heat the refrigerant condenses into a liquid while staying at high "
                "pressure, which is why the back of a running fridge feels warm to the touch.",
                "Expansion": "The warm liquid then passes through an expansion valve or a thin "
                "capillary tube. On the far side the pressure drops suddenly. Part of the "
                "liquid flashes into vapour, and that change of state absorbs energy from the "
                "rest of the refrigerant, so the mixture that comes out is far colder than the "
                "food compartment it is about to enter.",
                "Evaporation": "Inside the cabinet the cold refrigerant runs through the "
                "evaporator coils. Heat from the food and the air moves into the coils and "
                "boils the remaining liquid into vapour. That heat is carried away with the "
                "vapour back to the compressor, and the loop starts again. A thermostat "
                "switches the compressor on and off to hold the chosen temperature, and "
                "insulation in the walls and door seals keep outside heat from leaking back in.",
            },
            ["refrigerant", "compressor", "heat"],
        ),
        essay(
            "Write a beginner's guide to version control with Git.",
            {
                "Repositories": "A repository is a project folder whose full history Git "
                "tracks. You create one with git init or copy an existing one with git clone. "
                "The hidden .git directory stores every version of every file, so you can look "
                "at or restore any earlier state of the project without keeping manual backup "
                "copies of your work.",
                "Commits": "A commit is a snapshot of the files you chose to stage. You stage "
                "changes with git add and record them with git commit, together with a message "
                "that explains why the change was made. Each commit points to its parent, so "
                "the history forms a chain you can browse with git log and compare with git "
                "diff.",
                "Branches": "A branch is a movable name for a line of commits. Creating a "
                "branch with git switch -c lets you try an idea without disturbing the main "
                "line of work. Branches are cheap, so teams usually open one per feature or "
                "fix and delete it once the work has been merged back.",
                "Merging": "When a branch is ready, you merge it into another with git merge. "
                "If the two lines of work changed different parts of the files, Git combines "
                "them automatically. If both changed the same lines, Git stops and marks a "
                "conflict that you resolve by editing the file, staging it and committing the "
                "result. Frequent small merges keep conflicts rare and easy to understand.",
            },
            ["commit", "branch", "merge"],
        ),
        numbered(
            "Give step-by-step instructions for baking a simple loaf of white bread.",
            [
                "Weigh out 500 g of strong white flour and put it in a large mixing bowl.",
                "Stir in 7 g of dried yeast on one side of the bowl and 10 g of salt on the "
                "other so the salt does not touch the yeast directly.",
                "Pour in 320 ml of lukewarm water and mix with your hand until a shaggy dough "
                "forms and no dry flour is left.",
                "Tip the dough onto a lightly floured worktop and knead it for about ten "
                "minutes until it is smooth and springs back when pressed.",
                "Put the dough back in an oiled bowl, cover it and let it rise in a warm place "
                "for about an hour, until it has doubled in size.",
                "Knock the air out of the dough and shape it into a tight oval by folding the "
                "edges underneath.",
                "Place the shaped dough in a greased loaf tin, cover it loosely and leave it "
                "to prove for another forty minutes.",
                "Heat the oven to 220 °C and put a tray of water on the bottom shelf to create "
                "steam for a better crust.",
                "Dust the top with flour, slash it once with a sharp knife and bake for thirty "
                "to thirty-five minutes until it is deep golden.",
                "Turn the loaf out and tap its base; if it sounds hollow it is done, so let it "
                "cool on a wire rack for at least an hour before slicing.",
            ],
            ["flour", "yeast", "knead", "oven"],
            min_words=180,
        ),
        essay(
            "Describe the water cycle on Earth.",
            {
                "Evaporation": "Energy from the Sun warms oceans, lakes and rivers, and water "
                "at the surface turns into invisible water vapour. Plants add more vapour "
                "through transpiration from their leaves. Together these processes lift "
                "hundreds of thousands of cubic kilometres of water into the atmosphere every "
                "year, leaving the salt of the sea behind.",
                "Condensation": "As moist air rises it expands and cools. Cooler air can hold "
                "less vapour, so the vapour condenses onto tiny particles of dust, salt or "
                "smoke and forms droplets. Billions of droplets together become the clouds and "
                "fog we see, and the latent heat they release warms the surrounding air and "
                "drives storms.",
                "Precipitation": "Inside clouds droplets collide and merge, or ice crystals "
                "grow at the expense of droplets, until they are heavy enough to fall. They "
                "reach the ground as rain, snow, sleet or hail depending on the temperature of "
                "the air they fall through. Precipitation returns the water to the surface, "
                "often far from where it evaporated.",
                "Collection": "Water that lands on the ground runs off into streams and "
                "rivers, soaks into the soil to recharge groundwater, or is stored for a while "
                "in glaciers and snowpack. Eventually most of it flows back to the oceans, "
                "where evaporation starts the cycle again, so the same water keeps circulating "
                "between the sea, the sky and the land.",
            },
            ["vapour", "clouds", "groundwater"],
        ),
        essay(
            "Write a short story about a lighthouse keeper on the night of a great storm.",
            {
                "Chapter 1": "Maren had kept the Skerry Point lighthouse for nineteen years, "
                "and she knew the sea's moods the way other people knew their neighbours. On "
                "the afternoon the barometer fell faster than she had ever seen, she trimmed "
                "the wick, polished the great lens and carried extra oil up the spiral stairs, "
                "counting the steps as she always did: one hundred and twelve.",
                "Chapter 2": "By nightfall the storm had arrived. Waves broke over the rocks "
                "and threw spray against the lantern room glass, and the whole tower hummed in "
                "the wind. Near midnight the light flickered when a pane cracked and the gale "
                "pushed in. Maren wedged her coat against the gap and held it there with her "
                "back, keeping the flame alive while the beam swept on across the dark water.",
                "Chapter 3": "At dawn the wind dropped and the sea turned grey and tired. A "
                "fishing boat limped into the harbour below, its crew waving up at the tower. "
                "They had seen the light all night, they told her later, and steered by it "
                "when their compass failed. Maren said nothing about the cold or the cracked "
                "pane; she only wrote in the logbook, in her neat hand, that the light had "
                "shown without interruption.",
            },
            ["lighthouse", "storm", "logbook"],
        ),
        lines(
            "List the whole numbers from 1 to 120 with their squares, one per line, written "
            "exactly like `7: 49` (number, colon, space, square), in ascending order and "
            "with nothing else on those lines.",
            squares,
            ["120: 14400"],
            min_words=200,
        ),
    ]


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def train() -> list[dict]:
    return [
        essay(
            "Explain how vaccines train the immune system.",
            {
                "Antigens": "Every pathogen carries molecules on its surface, called "
                "antigens, that the immune system can learn to recognise. A vaccine presents "
                "some of these antigens without the danger of the real infection: as a killed "
                "or weakened microbe, as a purified protein, or as genetic instructions that "
                "let our own cells make the protein for a short time.",
                "Antibodies": "When immune cells meet the vaccine's antigens, B cells that "
                "happen to fit them multiply and start producing antibodies, proteins that "
                "latch onto the antigen and mark it for destruction or block it from entering "
                "cells. T cells are trained at the same time, learning to destroy infected "
                "cells and to coordinate the response. This first response takes one to two "
                "weeks.",
                "Memory cells": "After the response fades, long-lived memory B and T cells "
                "remain in the blood and lymph nodes. If the real pathogen arrives later they "
                "recognise it at once and mount a faster, stronger response, often clearing "
                "the infection before symptoms appear. Booster doses remind the system and "
                "increase the number and quality of these memory cells.",
                "Herd immunity": "When a large share of a population is immune, a pathogen "
                "finds too few susceptible hosts to keep spreading, so outbreaks die out. "
                "This protects people who cannot be vaccinated, such as newborns or patients "
                "with weakened immune systems. The share needed depends on how contagious the "
                "disease is, and it is highest for diseases such as measles.",
            },
            ["antigen", "antibodies", "memory cells"],
        ),
        essay(
            "Write an introduction to the HTTP protocol for new web developers.",
            {
                "Requests": "A client such as a browser starts every exchange with a request. "
                "The first line names a method, a path and the protocol version, for example "
                "GET /index.html HTTP/1.1. GET asks for a resource, POST submits data, PUT "
                "replaces a resource and DELETE removes one. A request may carry a body, "
                "typically for POST and PUT, holding form fields or JSON.",
                "Responses": "The server answers with a response whose first line holds the "
                "protocol version and a status code with a short reason phrase. After the "
                "headers comes the body: an HTML page, an image, a JSON document or nothing at "
                "all. One connection can carry many request and response pairs, which saves "
                "the cost of opening a new connection each time.",
                "Status codes": "Status codes are grouped by their first digit. 2xx codes "
                "such as 200 OK mean success, 3xx codes redirect the client elsewhere, 4xx "
                "codes such as 404 Not Found or 403 Forbidden blame the request, and 5xx "
                "codes such as 500 Internal Server Error blame the server. Clients decide "
                "what to do next from the code, not from the text.",
                "Headers": "Headers are name and value pairs that describe the message. "
                "Content-Type says what the body is, Content-Length how long it is, "
                "Cache-Control how long it may be reused, and Authorization carries "
                "credentials. Cookies travel in the Cookie and Set-Cookie headers, which is "
                "how a stateless protocol can still remember a logged-in user.",
            },
            ["GET", "POST", "404"],
        ),
        numbered(
            "Explain how to fix a punctured bicycle inner tube.",
            [
                "Shift to the smallest rear cog, open the brake if needed and remove the "
                "wheel from the frame.",
                "Let out any remaining air by pressing the valve core.",
                "Hook a tyre lever under the bead opposite the valve and clip it to a spoke.",
                "Insert a second tyre lever a few centimetres away and slide it around the rim "
                "until one side of the tyre is free.",
                "Pull out the inner tube, starting opposite the valve and finishing by pushing "
                "the valve through the rim.",
                "Pump a little air into the tube and listen or feel for the escaping air to "
                "find the puncture.",
                "Run your fingers carefully around the inside of the tyre to find and remove "
                "the thorn or glass that caused it.",
                "Roughen the area around the hole with sandpaper and spread a thin layer of "
                "vulcanising glue.",
                "Wait until the glue is touch-dry, then press the patch on firmly for a minute.",
                "Put a little air in the tube so it holds its shape and tuck it back inside "
                "the tyre, valve first.",
                "Push the bead back onto the rim with your thumbs, avoiding the tyre lever so "
                "you do not pinch the new repair.",
                "Pump the tyre to the pressure printed on its sidewall and refit the wheel.",
            ],
            ["tyre", "lever", "pump", "patch"],
            min_words=200,
        ),
        essay(
            "Explain how photosynthesis works in green plants.",
            {
                "Chlorophyll": "Photosynthesis happens in chloroplasts, small structures in "
                "leaf cells packed with the pigment chlorophyll. Chlorophyll absorbs red and "
                "blue light strongly and reflects green, which is why leaves look green. The "
                "captured light energy excites electrons in the pigment, and those energetic "
                "electrons power everything that follows in the process.",
                "Light reactions": "In the thylakoid membranes, excited electrons pass along a "
                "chain of proteins. Their energy pumps protons that drive the making of ATP, "
                "and it reduces NADP+ to NADPH. To replace the lost electrons, water molecules "
                "are split, releasing oxygen as a by-product. Almost all the oxygen in the air "
                "we breathe came from this step over billions of years.",
                "Calvin cycle": "In the stroma, the enzyme RuBisCO fixes carbon dioxide from "
                "the air onto a five-carbon sugar. Using the ATP and NADPH from the light "
                "reactions, the cycle turns the products into three-carbon sugars. Some leave "
                "the cycle to build glucose, sucrose and starch, and the rest regenerate the "
                "starting molecule so the cycle can continue while light lasts.",
            },
            ["chlorophyll", "carbon dioxide", "oxygen", "glucose"],
            min_words=160,
        ),
        essay(
            "Write a short story about a cartographer who finds a river that is on no map.",
            {
                "Part 1": "Ilse Marten had drawn the valley three times and knew every bend "
                "of its roads. So when the survey team's drone photographs showed a silver "
                "ribbon of water north of the old quarry, she assumed the camera had erred. "
                "Nothing on her map, or on any map in the archive, ran there.",
                "Part 2": "She walked out on a cold morning with a compass, a notebook and a "
                "flask of coffee. The river was real: narrow, fast and clear, cutting through "
                "a gully choked with alder. It appeared from a spring under a limestone ledge "
                "and vanished again into a sinkhole two kilometres on, as if it were shy of "
                "being seen.",
                "Part 3": "For a week she measured its width, its depth and the speed of its "
                "current, and followed its bed with the patience of someone who had spent a "
                "life tracing lines. Farmers told her their grandparents had spoken of a "
                "hidden stream that came and went with wet years, though none had ever seen "
                "it.",
                "Part 4": "When the new edition of the map was printed, a thin blue line ran "
                "north of the quarry, dashed where it went underground. Ilse gave it no name. "
                "In the margin, in small type, she wrote only the date she first saw it, so "
                "that whoever drew the valley next would know to look again.",
            },
            ["map", "river", "compass"],
        ),
        essay(
            "Write a short history of the printing press in Europe.",
            {
                "Before Gutenberg": "Before the fifteenth century, European books were copied "
                "by hand, mostly by scribes in monasteries and later in university towns. A "
                "single Bible could take a scribe more than a year. Woodblock printing of "
                "images and short texts existed, but carving a whole book into wood was slow "
                "and the blocks wore out.",
                "Gutenberg": "Around 1440 in Mainz, Johannes Gutenberg combined several ideas "
                "into a working system: movable type cast from a metal alloy in a hand mould, "
                "an oil-based ink that clung to metal, and a screw press adapted from wine and "
                "paper making. His Bible, finished around 1455, showed that printed books "
                "could match the beauty of manuscripts.",
                "Spread": "Printers trained in Mainz carried the technique across Europe. By "
                "1500 presses were working in more than two hundred towns, and Venice had "
                "become a leading centre. Historians estimate that millions of copies, later "
                "called incunabula, were printed before 1501, in Latin and increasingly in "
                "local languages.",
                "Impact": "Cheap, identical copies changed how knowledge travelled. Scholars "
                "could cite the same page, errors could be corrected in later editions, and "
                "pamphlets spread religious and political arguments quickly, most famously "
                "during the Reformation. Rising literacy and standardised spelling followed, "
                "and science gained a reliable way to share results.",
            },
            ["Gutenberg", "movable type", "Mainz"],
        ),
        lines(
            "Write the multiplication table of 13 from 13 x 1 to 13 x 60, one line each, "
            "exactly in the form `13 x 4 = 52`, in order, with nothing else on those lines.",
            [f"13 x {n} = {13 * n}" for n in range(1, 61)],
            ["13 x 60 = 780"],
            min_words=200,
        ),
        lines(
            "List every leap year from 1900 to 2025 inclusive, in ascending order, one per "
            "line, exactly in the form `1904 is a leap year`, with nothing else on those "
            "lines. (1900 is not a leap year.)",
            [f"{year} is a leap year" for year in range(1900, 2026) if _leap(year)],
            ["2000 is a leap year", "2024 is a leap year"],
            min_words=100,
        ),
        essay(
            "Compare the TCP and UDP transport protocols.",
            {
                "TCP": "TCP provides a reliable, ordered byte stream between two programs. A "
                "connection begins with a three-way handshake, SYN, SYN-ACK and ACK, that "
                "agrees on starting sequence numbers. Every byte is numbered and acknowledged, "
                "lost segments are retransmitted, and flow and congestion control slow the "
                "sender down when the receiver or the network cannot keep up.",
                "UDP": "UDP sends independent datagrams with only a small header: ports, a "
                "length and a checksum. There is no handshake, no acknowledgement, no "
                "retransmission and no ordering, so a datagram may arrive late, twice or not "
                "at all. In exchange it adds almost no delay and lets the application decide "
                "for itself how to handle loss.",
                "When to use which": "Use TCP when every byte matters and order matters, as "
                "for web pages, file transfers, email and database connections. Use UDP when "
                "timeliness beats completeness, as for voice and video calls, online games and "
                "DNS lookups, or when a protocol such as QUIC builds its own reliability on "
                "top of it to avoid the head-of-line blocking TCP suffers from.",
            },
            ["handshake", "datagram", "retransmission"],
            min_words=160,
        ),
        essay(
            "Plan a four-day first trip to Japan by train.",
            {
                "Day 1": "Arrive in Tokyo and take the train into the city. Spend the "
                "afternoon in Asakusa at the Senso-ji temple and walk along the Sumida river. "
                "In the evening go up a tower or a tall building for a view of the lights, "
                "then eat at a small ramen counter near your hotel.",
                "Day 2": "Explore Tokyo's contrasts: the quiet Meiji Shrine and its forest in "
                "the morning, then the busy crossings of Shibuya and the side streets of "
                "Harajuku. Finish with a food tour of a covered market street. Buy a rail "
                "pass or a rechargeable travel card if you have not yet.",
                "Day 3": "Take the Shinkansen to Kyoto, a journey of a little over two hours. "
                "Visit the thousands of vermilion gates at Fushimi Inari in the afternoon, "
                "when the light is warm, and walk through the old Gion district at dusk, "
                "where wooden teahouses line the lanes.",
                "Day 4": "Start early at the Arashiyama bamboo grove before the crowds, then "
                "visit the golden pavilion of Kinkaku-ji. In the afternoon take the short "
                "train to Nara to see the great Buddha at Todai-ji and the deer in the park, "
                "before returning to Kyoto for a final dinner.",
            },
            ["Tokyo", "Kyoto", "Shinkansen"],
        ),
        numbered(
            "Give practical tips for writing clean, maintainable code.",
            [
                "Give every variable and function a name that says what it holds or does.",
                "Keep each function short and focused on a single job.",
                "Write a test for each behaviour before or while you implement it.",
                "Prefer plain data and simple control flow over clever tricks.",
                "Delete dead code instead of commenting it out; version control remembers it.",
                "Handle errors where you can do something useful about them, and fail loudly "
                "everywhere else.",
                "Keep modules small, with clear boundaries and few dependencies between them.",
                "Avoid global mutable state, which makes behaviour depend on hidden history.",
                "Write comments that explain why something is done, not what the code does.",
                "Use a formatter and a linter so style debates never reach code review.",
                "Make illegal states unrepresentable with types and validation at the edges.",
                "Review your own diff before asking anyone else to review it.",
                "Refactor in small steps, running the tests after each one.",
                "Log enough context to debug a failure without reproducing it.",
                "Leave each file a little clearer than you found it.",
            ],
            ["function", "test", "name"],
            min_words=150,
        ),
        lines(
            "Count from 1 to 100, one number per line, but write `Fizz` instead of multiples "
            "of 3, `Buzz` instead of multiples of 5 and `FizzBuzz` instead of multiples of "
            "both. Nothing else on those lines.",
            [
                ("Fizz" if n % 3 == 0 else "") + ("Buzz" if n % 5 == 0 else "") or str(n)
                for n in range(1, 101)
            ],
            ["FizzBuzz"],
            min_words=100,
        ),
    ]
