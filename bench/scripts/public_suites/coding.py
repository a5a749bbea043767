"""Coding items: one Python function each, graded by asserts (edge cases included)."""

from __future__ import annotations

from common import task

INSTRUCTIONS = (
    "Reply with the complete function (and any imports it needs) in one ```python code "
    "block. Use only the standard library."
)

# A helper the tests of functions that must raise ValueError share.
RAISES = """def raises(call, *args):
    try:
        call(*args)
    except ValueError:
        return True
    return False


"""

# (signature, what it must do, reference implementation, tests)
DEV = [
    (
        "is_palindrome(text: str) -> bool",
        "returns True when the text reads the same forwards and backwards, ignoring case "
        "and every character that is not a letter or a digit",
        """def is_palindrome(text):
    kept = [c.lower() for c in text if c.isalnum()]
    return kept == kept[::-1]
""",
        """assert is_palindrome("A man, a plan, a canal: Panama") is True
assert is_palindrome("race a car") is False
assert is_palindrome("") is True
assert is_palindrome("!!") is True
assert is_palindrome("No 'x' in Nixon") is True
assert is_palindrome("ab1ba2") is False
""",
    ),
    (
        "run_length_encode(text: str) -> str",
        "encodes each run of the same character as the character followed by the run "
        'length, e.g. "aaabcc" becomes "a3b1c2"; the empty string encodes to ""',
        """def run_length_encode(text):
    out = []
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and text[j] == text[i]:
            j += 1
        out.append(f"{text[i]}{j - i}")
        i = j
    return "".join(out)
""",
        """assert run_length_encode("aaabcc") == "a3b1c2"
assert run_length_encode("") == ""
assert run_length_encode("x") == "x1"
assert run_length_encode("aaaaaaaaaaaa") == "a12"
assert run_length_encode("abab") == "a1b1a1b1"
assert run_length_encode("  !!") == " 2!2"
""",
    ),
    (
        "merge_intervals(intervals: list[list[int]]) -> list[list[int]]",
        "merges overlapping or touching closed intervals [start, end] and returns them "
        "sorted by start; the input may be unsorted and empty",
        """def merge_intervals(intervals):
    merged = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged
""",
        """assert merge_intervals([[1, 3], [2, 6], [8, 10], [9, 12]]) == [[1, 6], [8, 12]]
assert merge_intervals([]) == []
assert merge_intervals([[5, 7], [1, 2]]) == [[1, 2], [5, 7]]
assert merge_intervals([[1, 4], [4, 5]]) == [[1, 5]]
assert merge_intervals([[1, 10], [2, 3], [4, 5]]) == [[1, 10]]
assert merge_intervals([[3, 3]]) == [[3, 3]]
""",
    ),
    (
        "roman_to_int(numeral: str) -> int",
        "converts a valid Roman numeral (I, V, X, L, C, D, M, with subtractive pairs such "
        "as IV and CM) to an integer",
        """def roman_to_int(numeral):
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
    total = 0
    for i, c in enumerate(numeral):
        v = values[c]
        if i + 1 < len(numeral) and values[numeral[i + 1]] > v:
            total -= v
        else:
            total += v
    return total
""",
        """assert roman_to_int("III") == 3
assert roman_to_int("IV") == 4
assert roman_to_int("IX") == 9
assert roman_to_int("LVIII") == 58
assert roman_to_int("MCMXCIV") == 1994
assert roman_to_int("MMMCMXCIX") == 3999
""",
    ),
    (
        "flatten(nested: list) -> list",
        "flattens arbitrarily deeply nested lists into one flat list, keeping the order; "
        "tuples and strings are values, not lists to flatten",
        """def flatten(nested):
    out = []
    for item in nested:
        if isinstance(item, list):
            out.extend(flatten(item))
        else:
            out.append(item)
    return out
""",
        """assert flatten([1, [2, [3, [4]], 5]]) == [1, 2, 3, 4, 5]
assert flatten([]) == []
assert flatten([[], [[]], [[[]]]]) == []
assert flatten(["ab", ("c", "d"), ["e"]]) == ["ab", ("c", "d"), "e"]
assert flatten([[[[[[7]]]]]]) == [7]
""",
    ),
    (
        "word_frequencies(text: str) -> dict[str, int]",
        "counts the words of the text case-insensitively; a word is a maximal run of ASCII "
        "letters and apostrophes, and the keys are lowercase",
        """import re


def word_frequencies(text):
    counts = {}
    for word in re.findall(r"[A-Za-z']+", text):
        word = word.lower()
        counts[word] = counts.get(word, 0) + 1
    return counts
""",
        """assert word_frequencies("The cat, the hat.") == {"the": 2, "cat": 1, "hat": 1}
assert word_frequencies("") == {}
assert word_frequencies("Don't stop, DON'T!") == {"don't": 2, "stop": 1}
assert word_frequencies("a1b 22 c") == {"a": 1, "b": 1, "c": 1}
assert word_frequencies("...") == {}
""",
    ),
    (
        "second_largest(numbers: list[int]) -> int | None",
        "returns the second largest distinct value, or None when there are fewer than two "
        "distinct values",
        """def second_largest(numbers):
    distinct = sorted(set(numbers))
    return distinct[-2] if len(distinct) >= 2 else None
""",
        """assert second_largest([3, 1, 4, 1, 5, 9, 2, 6]) == 6
assert second_largest([5, 5, 5]) is None
assert second_largest([]) is None
assert second_largest([7]) is None
assert second_largest([-2, -1]) == -2
assert second_largest([10, 10, 9]) == 9
""",
    ),
    (
        "chunk(items: list, size: int) -> list[list]",
        "splits the list into consecutive chunks of the given size (the last may be "
        "shorter); a size below 1 raises ValueError",
        """def chunk(items, size):
    if size < 1:
        raise ValueError("size must be at least 1")
    return [items[i : i + size] for i in range(0, len(items), size)]
""",
        RAISES
        + """assert chunk([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]
assert chunk([], 3) == []
assert chunk([1, 2], 5) == [[1, 2]]
assert chunk([1, 2, 3], 1) == [[1], [2], [3]]
assert raises(chunk, [1], 0)
assert raises(chunk, [1], -2)
""",
    ),
    (
        "parse_duration(text: str) -> int",
        'converts a duration like "1h30m15s", "45m" or "2h" (hours, minutes, seconds in '
        "that order, each optional but at least one present, non-negative integers) to "
        "seconds; anything else raises ValueError",
        """import re


def parse_duration(text):
    match = re.fullmatch(r"(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?", text)
    if not text or match is None:
        raise ValueError(f"not a duration: {text!r}")
    hours, minutes, seconds = (int(part) if part else 0 for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds
""",
        RAISES
        + """assert parse_duration("1h30m15s") == 5415
assert parse_duration("45m") == 2700
assert parse_duration("2h") == 7200
assert parse_duration("0s") == 0
assert parse_duration("90m") == 5400
assert raises(parse_duration, "")
assert raises(parse_duration, "15s1h")
assert raises(parse_duration, "1.5h")
""",
    ),
]

TRAIN = [
    (
        "fizzbuzz(n: int) -> list[str]",
        'returns the strings for 1..n where multiples of 3 are "Fizz", of 5 "Buzz", of both '
        '"FizzBuzz", and other numbers their decimal digits; n = 0 gives []',
        """def fizzbuzz(n):
    out = []
    for i in range(1, n + 1):
        word = ("Fizz" if i % 3 == 0 else "") + ("Buzz" if i % 5 == 0 else "")
        out.append(word or str(i))
    return out
""",
        """assert fizzbuzz(0) == []
assert fizzbuzz(5) == ["1", "2", "Fizz", "4", "Buzz"]
assert fizzbuzz(15)[-1] == "FizzBuzz"
assert len(fizzbuzz(100)) == 100
assert fizzbuzz(100).count("FizzBuzz") == 6
""",
    ),
    (
        "caesar_shift(text: str, shift: int) -> str",
        "shifts every ASCII letter by `shift` places in the alphabet (wrapping around, "
        "keeping case; the shift may be negative or larger than 26); other characters are "
        "unchanged",
        """def caesar_shift(text, shift):
    out = []
    for c in text:
        if "a" <= c <= "z":
            out.append(chr((ord(c) - 97 + shift) % 26 + 97))
        elif "A" <= c <= "Z":
            out.append(chr((ord(c) - 65 + shift) % 26 + 65))
        else:
            out.append(c)
    return "".join(out)
""",
        """assert caesar_shift("abc", 1) == "bcd"
assert caesar_shift("xyz", 3) == "abc"
assert caesar_shift("Hello, World!", 13) == "Uryyb, Jbeyq!"
assert caesar_shift("abc", -1) == "zab"
assert caesar_shift("Abc", 52) == "Abc"
assert caesar_shift("", 5) == ""
assert caesar_shift("é1", 4) == "é1"
""",
    ),
    (
        "balanced(text: str) -> bool",
        "tells whether the brackets (), [] and {} in the text are balanced and properly "
        "nested; other characters are ignored",
        """def balanced(text):
    pairs = {")": "(", "]": "[", "}": "{"}
    stack = []
    for c in text:
        if c in "([{":
            stack.append(c)
        elif c in pairs:
            if not stack or stack.pop() != pairs[c]:
                return False
    return not stack
""",
        """assert balanced("") is True
assert balanced("([]{})") is True
assert balanced("a(b[c]d)e") is True
assert balanced("(]") is False
assert balanced("(()") is False
assert balanced("())(") is False
assert balanced("{[()()]}") is True
""",
    ),
    (
        "binary_search(items: list[int], target: int) -> int",
        "returns the index of target in the ascending list items, or -1 when it is absent; "
        "it must not scan the list linearly",
        """def binary_search(items, target):
    low, high = 0, len(items) - 1
    while low <= high:
        mid = (low + high) // 2
        if items[mid] == target:
            return mid
        if items[mid] < target:
            low = mid + 1
        else:
            high = mid - 1
    return -1
""",
        """assert binary_search([1, 3, 5, 7, 9], 7) == 3
assert binary_search([1, 3, 5, 7, 9], 1) == 0
assert binary_search([1, 3, 5, 7, 9], 9) == 4
assert binary_search([1, 3, 5, 7, 9], 4) == -1
assert binary_search([], 4) == -1
assert binary_search(list(range(0, 2000000, 2)), 1999998) == 999999
""",
    ),
    (
        "anagram_groups(words: list[str]) -> list[list[str]]",
        "groups words that are anagrams of each other (same letters, case-sensitive); each "
        "group is sorted, and the groups are sorted by their first word",
        """def anagram_groups(words):
    groups = {}
    for word in words:
        groups.setdefault("".join(sorted(word)), []).append(word)
    return sorted(sorted(group) for group in groups.values())
""",
        """assert anagram_groups(["eat", "tea", "tan", "ate", "nat", "bat"]) == [
    ["ate", "eat", "tea"], ["bat"], ["nat", "tan"]
]
assert anagram_groups([]) == []
assert anagram_groups(["a"]) == [["a"]]
assert anagram_groups(["ab", "ba", "ab"]) == [["ab", "ab", "ba"]]
assert anagram_groups(["ab", "BA"]) == [["BA"], ["ab"]]
""",
    ),
    (
        "int_to_roman(number: int) -> str",
        "converts an integer from 1 to 3999 to a Roman numeral using subtractive notation "
        "(4 is IV, 900 is CM); numbers outside that range raise ValueError",
        """def int_to_roman(number):
    if not 1 <= number <= 3999:
        raise ValueError("out of range")
    table = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
             (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = []
    for value, letters in table:
        while number >= value:
            out.append(letters)
            number -= value
    return "".join(out)
""",
        RAISES
        + """assert int_to_roman(1) == "I"
assert int_to_roman(4) == "IV"
assert int_to_roman(1994) == "MCMXCIV"
assert int_to_roman(3999) == "MMMCMXCIX"
assert int_to_roman(2024) == "MMXXIV"
assert raises(int_to_roman, 0)
assert raises(int_to_roman, 4000)
""",
    ),
    (
        "transpose(matrix: list[list[int]]) -> list[list[int]]",
        "returns the transpose of a rectangular matrix given as a list of rows; an empty "
        "matrix gives []",
        """def transpose(matrix):
    return [list(row) for row in zip(*matrix)]
""",
        """assert transpose([[1, 2, 3], [4, 5, 6]]) == [[1, 4], [2, 5], [3, 6]]
assert transpose([]) == []
assert transpose([[7]]) == [[7]]
assert transpose([[1], [2], [3]]) == [[1, 2, 3]]
m = [[1, 2], [3, 4]]
assert transpose(transpose(m)) == m
""",
    ),
    (
        "longest_common_prefix(words: list[str]) -> str",
        'returns the longest string that every word starts with ("" for an empty list)',
        """def longest_common_prefix(words):
    if not words:
        return ""
    prefix = min(words)
    last = max(words)
    i = 0
    while i < len(prefix) and prefix[i] == last[i]:
        i += 1
    return prefix[:i]
""",
        """assert longest_common_prefix(["flower", "flow", "flight"]) == "fl"
assert longest_common_prefix(["dog", "racecar", "car"]) == ""
assert longest_common_prefix([]) == ""
assert longest_common_prefix(["solo"]) == "solo"
assert longest_common_prefix(["ab", "abc", "a"]) == "a"
assert longest_common_prefix(["same", "same"]) == "same"
""",
    ),
    (
        "count_islands(grid: list[str]) -> int",
        'counts the islands in a grid of "1" (land) and "0" (water) characters, one string '
        "per row; land cells connect horizontally and vertically, not diagonally",
        """def count_islands(grid):
    seen = set()
    count = 0
    for r, row in enumerate(grid):
        for c, cell in enumerate(row):
            if cell != "1" or (r, c) in seen:
                continue
            count += 1
            stack = [(r, c)]
            seen.add((r, c))
            while stack:
                y, x = stack.pop()
                for ny, nx in ((y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)):
                    if 0 <= ny < len(grid) and 0 <= nx < len(grid[ny]):
                        if grid[ny][nx] == "1" and (ny, nx) not in seen:
                            seen.add((ny, nx))
                            stack.append((ny, nx))
    return count
""",
        """assert count_islands(["11000", "11000", "00100", "00011"]) == 3
assert count_islands([]) == 0
assert count_islands(["000"]) == 0
assert count_islands(["101", "010", "101"]) == 5
assert count_islands(["111", "101", "111"]) == 1
assert count_islands(["1" * 200] * 200) == 1
""",
    ),
    (
        "snake_to_camel(name: str) -> str",
        'converts a snake_case identifier to lowerCamelCase ("max_retry_count" becomes '
        '"maxRetryCount"); leading, trailing and repeated underscores are dropped',
        """def snake_to_camel(name):
    parts = [p for p in name.split("_") if p]
    if not parts:
        return ""
    return parts[0].lower() + "".join(p.capitalize() for p in parts[1:])
""",
        """assert snake_to_camel("max_retry_count") == "maxRetryCount"
assert snake_to_camel("value") == "value"
assert snake_to_camel("_private_name_") == "privateName"
assert snake_to_camel("a__b") == "aB"
assert snake_to_camel("") == ""
assert snake_to_camel("http_url_2") == "httpUrl2"
""",
    ),
    (
        "primes_up_to(n: int) -> list[int]",
        "returns every prime number <= n in ascending order (an empty list for n < 2)",
        """def primes_up_to(n):
    if n < 2:
        return []
    sieve = [True] * (n + 1)
    sieve[0] = sieve[1] = False
    for i in range(2, int(n**0.5) + 1):
        if sieve[i]:
            sieve[i * i :: i] = [False] * len(sieve[i * i :: i])
    return [i for i, prime in enumerate(sieve) if prime]
""",
        """assert primes_up_to(10) == [2, 3, 5, 7]
assert primes_up_to(1) == []
assert primes_up_to(-5) == []
assert primes_up_to(2) == [2]
assert len(primes_up_to(100000)) == 9592
assert primes_up_to(30)[-1] == 29
""",
    ),
    (
        "rotate(items: list, k: int) -> list",
        "returns a new list rotated right by k places (k may be negative, meaning left, or "
        "larger than the length); the input list is not modified",
        """def rotate(items, k):
    if not items:
        return []
    k %= len(items)
    return items[-k:] + items[:-k] if k else list(items)
""",
        """assert rotate([1, 2, 3, 4, 5], 2) == [4, 5, 1, 2, 3]
assert rotate([1, 2, 3], -1) == [2, 3, 1]
assert rotate([1, 2, 3], 7) == [3, 1, 2]
assert rotate([], 3) == []
original = [1, 2, 3]
rotate(original, 1)
assert original == [1, 2, 3]
assert rotate([1, 2, 3], 0) == [1, 2, 3]
""",
    ),
    (
        "dedupe(items: list) -> list",
        "removes repeated items, keeping the first occurrence of each and the original "
        "order; items are hashable",
        """def dedupe(items):
    seen = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out
""",
        """assert dedupe([3, 1, 3, 2, 1]) == [3, 1, 2]
assert dedupe([]) == []
assert dedupe(["a", "A", "a"]) == ["a", "A"]
assert dedupe([1, 1.0, True]) == [1]
assert dedupe(list(range(5)) * 3) == [0, 1, 2, 3, 4]
""",
    ),
    (
        "moving_average(values: list[float], window: int) -> list[float]",
        "returns the mean of every run of `window` consecutive values (so len(values) - "
        "window + 1 results, none when the window is longer than the list); a window "
        "below 1 raises ValueError",
        """def moving_average(values, window):
    if window < 1:
        raise ValueError("window must be at least 1")
    return [sum(values[i : i + window]) / window for i in range(len(values) - window + 1)]
""",
        RAISES
        + """assert moving_average([1, 2, 3, 4, 5], 2) == [1.5, 2.5, 3.5, 4.5]
assert moving_average([1, 2, 3], 3) == [2.0]
assert moving_average([1, 2], 3) == []
assert moving_average([4, 8], 1) == [4, 8]
assert raises(moving_average, [1, 2], 0)
""",
    ),
    (
        "is_valid_ipv4(text: str) -> bool",
        "tells whether the text is a dotted-decimal IPv4 address: four decimal numbers "
        "0-255 separated by dots, without leading zeros (except 0 itself) or any other "
        "characters",
        """def is_valid_ipv4(text):
    parts = text.split(".")
    if len(parts) != 4:
        return False
    for part in parts:
        if not part.isascii() or not part.isdigit() or (len(part) > 1 and part[0] == "0"):
            return False
        if int(part) > 255:
            return False
    return True
""",
        """assert is_valid_ipv4("192.168.0.1") is True
assert is_valid_ipv4("0.0.0.0") is True
assert is_valid_ipv4("255.255.255.255") is True
assert is_valid_ipv4("256.1.1.1") is False
assert is_valid_ipv4("01.2.3.4") is False
assert is_valid_ipv4("1.2.3") is False
assert is_valid_ipv4("1.2.3.4 ") is False
assert is_valid_ipv4("a.b.c.d") is False
""",
    ),
    (
        "digital_root(n: int) -> int",
        "repeatedly sums the decimal digits of the non-negative integer n until a single "
        "digit remains, and returns it",
        """def digital_root(n):
    while n >= 10:
        n = sum(int(d) for d in str(n))
    return n
""",
        """assert digital_root(0) == 0
assert digital_root(7) == 7
assert digital_root(38) == 2
assert digital_root(493193) == 2
assert digital_root(10**100) == 1
""",
    ),
    (
        "top_k_words(words: list[str], k: int) -> list[str]",
        "returns the k most frequent words, most frequent first, ties broken "
        "alphabetically; if there are fewer than k distinct words, all of them",
        """from collections import Counter


def top_k_words(words, k):
    counts = Counter(words)
    return sorted(counts, key=lambda w: (-counts[w], w))[:k]
""",
        """assert top_k_words(["a", "b", "a", "c", "b", "a"], 2) == ["a", "b"]
assert top_k_words(["x", "y", "z"], 2) == ["x", "y"]
assert top_k_words([], 3) == []
assert top_k_words(["b", "a"], 5) == ["a", "b"]
assert top_k_words(["pear", "fig", "fig", "pear", "kiwi"], 1) == ["fig"]
""",
    ),
    (
        "median(values: list[float]) -> float",
        "returns the median (the mean of the two middle values for an even count); an "
        "empty list raises ValueError",
        """def median(values):
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2
""",
        RAISES
        + """assert median([3, 1, 2]) == 2
assert median([4, 1, 3, 2]) == 2.5
assert median([5]) == 5
assert median([-1, -1, 7, 100]) == 3
assert raises(median, [])
""",
    ),
]


def _item(signature: str, behaviour: str, reference: str, tests: str) -> dict:
    name = signature.split("(", 1)[0]
    prompt = f"Write a Python function `{signature}` that {behaviour}. {INSTRUCTIONS}"
    check = {"kind": "code_tests", "language": "python", "tests": tests, "timeout_s": 10}
    return task("coding", prompt, check, f"Here is `{name}`:\n\n```python\n{reference}```\n")


def dev() -> list[dict]:
    return [_item(*entry) for entry in DEV]


def train() -> list[dict]:
    return [_item(*entry) for entry in TRAIN]
