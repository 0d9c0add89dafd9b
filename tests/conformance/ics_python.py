"""Parse iCalendar files with python's `icalendar` and print what a calendar app would read.

Usage: python3 ics_python.py FILE... ; prints a JSON list, one object per file.
"""
import json
import sys
from datetime import timezone

from icalendar import Calendar


def summarize(path):
    with open(path, "rb") as f:
        cal = Calendar.from_ical(f.read())
    events = []
    for event in cal.walk("VEVENT"):
        start = event.decoded("DTSTART")
        end = event.decoded("DTEND")
        events.append({
            "uid": str(event.get("UID")),
            "sequence": int(event.get("SEQUENCE", 0)),
            "status": str(event.get("STATUS", "")),
            "summary": str(event.get("SUMMARY", "")),
            "description": str(event.get("DESCRIPTION", "")),
            "location": str(event.get("LOCATION", "")),
            "start": start.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end": end.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "tzid": event["DTSTART"].params.get("TZID"),
        })
    return {
        "calname": str(cal.get("X-WR-CALNAME", "")),
        "method": str(cal.get("METHOD", "")),
        "timezones": [str(tz.get("TZID")) for tz in cal.walk("VTIMEZONE")],
        "events": events,
    }


print(json.dumps([summarize(path) for path in sys.argv[1:]], ensure_ascii=False))
