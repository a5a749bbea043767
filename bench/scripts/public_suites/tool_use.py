"""Tool-use items: single calls with argument checks and loops that use tool results."""

from __future__ import annotations

import json
import zlib

from common import ANSWER_LINE, normalised, numeric, task


def _tool(name: str, description: str, properties: dict, required: list[str]) -> dict:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": False,
            },
        },
    }


def _string(description: str) -> dict:
    return {"type": "string", "description": description}


TOOLS = {
    "get_weather": _tool(
        "get_weather",
        "Current weather of a city: temperature in degrees Celsius and conditions.",
        {"city": _string("The city name exactly as the user wrote it, e.g. 'Oslo'.")},
        ["city"],
    ),
    "convert_currency": _tool(
        "convert_currency",
        "Convert an amount of money between currencies at today's rate.",
        {
            "amount": {"type": "number", "description": "The amount to convert."},
            "from_currency": _string("ISO 4217 code of the source currency, e.g. 'USD'."),
            "to_currency": _string("ISO 4217 code of the target currency, e.g. 'EUR'."),
        },
        ["amount", "from_currency", "to_currency"],
    ),
    "create_event": _tool(
        "create_event",
        "Create an event in the user's calendar.",
        {
            "title": _string("The event title, exactly as the user gave it."),
            "date": _string("The day, YYYY-MM-DD."),
            "start": _string("The start time, 24-hour HH:MM."),
            "duration_minutes": {"type": "integer", "description": "Length in minutes."},
        },
        ["title", "date", "start", "duration_minutes"],
    ),
    "lookup_order": _tool(
        "lookup_order",
        "Look up a shop order: its status, items and the id of the customer who placed it.",
        {"order_id": _string("The order id, e.g. 'A-1001'.")},
        ["order_id"],
    ),
    "get_customer": _tool(
        "get_customer",
        "Look up a customer record (name, email, tier) by customer id.",
        {"customer_id": _string("The customer id, e.g. 'C-77'.")},
        ["customer_id"],
    ),
    "get_stock_price": _tool(
        "get_stock_price",
        "The last traded price of a share, in US dollars.",
        {"symbol": _string("The ticker symbol in capitals, e.g. 'ACME'.")},
        ["symbol"],
    ),
    "search_flights": _tool(
        "search_flights",
        "Search direct flights for one day; returns flight numbers with prices in EUR.",
        {
            "origin": _string("IATA code of the departure airport, e.g. 'OSL'."),
            "destination": _string("IATA code of the arrival airport, e.g. 'LIS'."),
            "date": _string("The day, YYYY-MM-DD."),
        },
        ["origin", "destination", "date"],
    ),
    "set_thermostat": _tool(
        "set_thermostat",
        "Set the target temperature of one room's thermostat.",
        {
            "room": _string("The room name in lowercase, e.g. 'kitchen'."),
            "celsius": {"type": "number", "description": "Target temperature in °C."},
        },
        ["room", "celsius"],
    ),
}


def _call(name: str, **arguments) -> dict:
    return {"name": name, "arguments": arguments}


def _result(call: dict, result: dict) -> dict:
    return {**call, "result": json.dumps(result, sort_keys=True)}


def _item(
    prompt: str,
    tools: list[str],
    calls: list[tuple[dict, dict]],
    final: dict | None = None,
    answer: str = "Done.",
    ordered: bool = True,
) -> dict:
    """``calls`` pairs each expected call with the result the bench returns for it."""
    check: dict = {"kind": "tool_call", "calls": [call for call, _ in calls], "ordered": ordered}
    if final is not None:
        check["final"] = final
        prompt = f"{prompt} {ANSWER_LINE}"
        answer = f"ANSWER: {answer}"
    else:
        check["final"] = None
    reference = {"tool_calls": [call for call, _ in calls], "text": answer}
    return task(
        "tool_use",
        prompt,
        check,
        reference,
        tools=[TOOLS[name] for name in tools],
        tool_results=[_result(call, result) for call, result in calls],
    )


def weather_in(city: str, celsius: float, conditions: str) -> tuple[dict, dict]:
    return _call("get_weather", city=city), {
        "city": city,
        "temp_c": celsius,
        "conditions": conditions,
    }


def conversion(amount: float, source: str, target: str, rate: float) -> tuple[dict, dict]:
    converted = round(amount * rate, 2)
    call = _call("convert_currency", amount=amount, from_currency=source, to_currency=target)
    return call, {"amount": converted, "currency": target, "rate": rate}


def order(order_id: str, status: str, customer: str) -> tuple[dict, dict]:
    return _call("lookup_order", order_id=order_id), {
        "order_id": order_id,
        "status": status,
        "customer_id": customer,
        "items": 2,
    }


def customer(customer_id: str, name: str, email: str) -> tuple[dict, dict]:
    return _call("get_customer", customer_id=customer_id), {
        "customer_id": customer_id,
        "name": name,
        "email": email,
        "tier": "gold",
    }


def event(title: str, date: str, start: str, minutes: int) -> tuple[dict, dict]:
    call = _call("create_event", title=title, date=date, start=start, duration_minutes=minutes)
    return call, {"status": "created", "event_id": f"ev-{zlib.crc32(title.encode()) % 1000:03d}"}


def flights(origin: str, destination: str, date: str, offers: dict[str, float]):
    call = _call("search_flights", origin=origin, destination=destination, date=date)
    return call, {"flights": [{"flight": f, "price_eur": p} for f, p in offers.items()]}


def thermostat(room: str, celsius: float) -> tuple[dict, dict]:
    return _call("set_thermostat", room=room, celsius=celsius), {"room": room, "set_to": celsius}


def stock(symbol: str, price: float) -> tuple[dict, dict]:
    return _call("get_stock_price", symbol=symbol), {"symbol": symbol, "price_usd": price}


def _weather_fahrenheit(city: str, celsius: float, conditions: str) -> dict:
    fahrenheit = round(celsius * 9 / 5 + 32, 1)
    return _item(
        f"What is the temperature in {city} right now, in degrees Fahrenheit (rounded to one "
        "decimal place)?",
        ["get_weather", "convert_currency"],
        [weather_in(city, celsius, conditions)],
        numeric(fahrenheit, 0.051),
        f"{fahrenheit:.1f}",
    )


def _convert(amount: float, source: str, target: str, rate: float) -> dict:
    call = conversion(amount, source, target, rate)
    value = call[1]["amount"]
    return _item(
        f"How much is {amount:g} {source} in {target} at today's rate? Give the number only.",
        ["convert_currency", "get_stock_price"],
        [call],
        numeric(value, 0.006),
        f"{value:.2f}",
    )


def _schedule(title: str, when: str, date: str, start: str, minutes: int) -> dict:
    return _item(
        f"Put '{title}' in my calendar {when}, for {minutes} minutes. Use the title exactly "
        "as written.",
        ["create_event", "get_weather"],
        [event(title, date, start, minutes)],
    )


def _order_email(order_id: str, customer_id: str, name: str, email: str) -> dict:
    return _item(
        f"Find the email address of the customer who placed order {order_id}.",
        ["lookup_order", "get_customer"],
        [order(order_id, "shipped", customer_id), customer(customer_id, name, email)],
        {"kind": "exact", "answer": email},
        email,
    )


def _shipped(order_id: str, status: str) -> dict:
    answer = "yes" if status == "shipped" else "no"
    return _item(
        f"Has order {order_id} shipped yet? Answer yes or no.",
        ["lookup_order", "get_customer"],
        [order(order_id, status, "C-3")],
        normalised(answer),
        answer,
    )


def _cheapest(origin, destination, date, offers, phrase) -> dict:
    best = min(offers, key=offers.get)
    return _item(
        f"{phrase} Which flight number is the cheapest? Answer with the flight number only.",
        ["search_flights", "convert_currency"],
        [flights(origin, destination, date, offers)],
        normalised(best),
        best,
    )


def dev() -> list[dict]:
    return [
        _schedule("Budget review", "on 14 March 2026 at 3 pm", "2026-03-14", "15:00", 45),
        _item(
            "What is the temperature in Lisbon right now, in degrees Celsius?",
            ["get_weather", "get_stock_price"],
            [weather_in("Lisbon", 17.5, "cloudy")],
            numeric(17.5, 0.01),
            "17.5",
        ),
        _convert(250, "USD", "EUR", 0.927),
        _order_email("A-1001", "C-77", "Mira Olsen", "mira.olsen@example.com"),
        _item(
            "Which city is warmer right now, Oslo or Cairo? Answer with the city name.",
            ["get_weather"],
            [weather_in("Oslo", 4.0, "rain"), weather_in("Cairo", 27.0, "sunny")],
            normalised("Cairo"),
            "Cairo",
            ordered=False,
        ),
        _item(
            "What would 12 shares of ACME cost at the last traded price, in US dollars?",
            ["get_stock_price", "convert_currency"],
            [stock("ACME", 48.25)],
            numeric(579.0, 0.006),
            "579.00",
        ),
        _cheapest(
            "OSL",
            "LIS",
            "2026-05-02",
            {"TP1271": 142.0, "DY1304": 118.5, "SK2840": 133.0},
            "Search the direct flights from Oslo (OSL) to Lisbon (LIS) on 2 May 2026.",
        ),
        _item(
            "Set the living room thermostat to 21.5 °C.",
            ["set_thermostat", "get_weather"],
            [thermostat("living room", 21.5)],
        ),
        _item(
            "I have 90 GBP and 100 EUR. Convert both to USD and tell me which holding is worth "
            "more: answer GBP or EUR.",
            ["convert_currency"],
            [conversion(90, "GBP", "USD", 1.268), conversion(100, "EUR", "USD", 1.079)],
            normalised("EUR"),
            "EUR",
            ordered=False,
        ),
    ]


def train() -> list[dict]:
    return [
        _weather_fahrenheit("Reykjavik", -3.5, "snow"),
        _weather_fahrenheit("Nairobi", 22.0, "sunny"),
        _weather_fahrenheit("Montreal", 11.5, "windy"),
        _convert(1200, "JPY", "USD", 0.0067),
        _convert(75.5, "EUR", "GBP", 0.853),
        _convert(3000, "SEK", "NOK", 1.012),
        _schedule("Dentist", "on 2 April 2026 at 8:30 in the morning", "2026-04-02", "08:30", 30),
        _schedule("Team retro", "on 19 June 2026 at 4 pm", "2026-06-19", "16:00", 60),
        _schedule("Call with Priya", "on 1 December 2026 at 11:15", "2026-12-01", "11:15", 20),
        _shipped("B-2203", "shipped"),
        _shipped("B-2207", "processing"),
        _order_email("D-5150", "C-902", "Tomas Reyes", "t.reyes@example.org"),
        _order_email("A-1450", "C-18", "Ines Varga", "ines.varga@example.net"),
        _item(
            "Set the kitchen thermostat to 19 °C.",
            ["set_thermostat"],
            [thermostat("kitchen", 19)],
        ),
        _item(
            "Set both the bedroom and the office thermostats to 18.5 °C.",
            ["set_thermostat", "get_weather"],
            [thermostat("bedroom", 18.5), thermostat("office", 18.5)],
            ordered=False,
        ),
        _cheapest(
            "BER",
            "ATH",
            "2026-07-11",
            {"A3611": 212.0, "FR8120": 189.99, "EW7602": 190.5},
            "Look up direct flights from Berlin (BER) to Athens (ATH) on 11 July 2026.",
        ),
        _cheapest(
            "CPH",
            "DUB",
            "2026-09-30",
            {"EI1651": 98.0, "FR1963": 104.0, "SK537": 131.0},
            "Find direct flights from Copenhagen (CPH) to Dublin (DUB) on 30 September 2026.",
        ),
        _item(
            "Check the last traded prices of ACME and GLOBEX. How many US dollars more does one "
            "GLOBEX share cost than one ACME share?",
            ["get_stock_price"],
            [stock("ACME", 51.1), stock("GLOBEX", 77.35)],
            numeric(26.25, 0.006),
            "26.25",
            ordered=False,
        ),
    ]
