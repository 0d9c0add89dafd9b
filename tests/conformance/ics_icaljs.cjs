// Parse iCalendar files with Mozilla's ical.js (Thunderbird's parser) and print what a calendar
// app would read. Usage: node ics_icaljs.cjs FILE... ; prints a JSON list, one object per file.
const fs = require("fs");
const ICAL = require("ical.js");

function summarize(path) {
  const root = new ICAL.Component(ICAL.parse(fs.readFileSync(path, "utf8")));
  const timezones = root.getAllSubcomponents("vtimezone");
  for (const vtimezone of timezones) {
    ICAL.TimezoneService.register(vtimezone);
  }
  const events = root.getAllSubcomponents("vevent").map((vevent) => {
    const event = new ICAL.Event(vevent);
    const dtstart = vevent.getFirstProperty("dtstart");
    return {
      uid: event.uid,
      sequence: event.sequence || 0,
      status: vevent.getFirstPropertyValue("status") || "",
      summary: event.summary || "",
      description: event.description || "",
      location: event.location || "",
      start: event.startDate.toJSDate().toISOString().replace(".000Z", "Z"),
      end: event.endDate.toJSDate().toISOString().replace(".000Z", "Z"),
      tzid: dtstart.getParameter("tzid") || null,
    };
  });
  return {
    calname: root.getFirstPropertyValue("x-wr-calname") || "",
    method: root.getFirstPropertyValue("method") || "",
    timezones: timezones.map((tz) => tz.getFirstPropertyValue("tzid")),
    events,
  };
}

console.log(JSON.stringify(process.argv.slice(2).map(summarize)));
