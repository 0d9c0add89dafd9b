// Debut's events widget. On any site:
//   <div data-debut-events="kind=mall&limit=5" data-debut-accent="#0b3c5d"></div>
//   <script src="https://EVENTS-SITE/widget.js" async></script>
// Each such element gets an iframe of EVENTS-SITE/widget with that filter, as tall as its list.
(function () {
  var script = document.currentScript;
  if (!script) return;
  var origin = new URL(script.src).origin;
  var frames = [];

  function mount(el) {
    if (el.getAttribute("data-debut-mounted")) return;
    el.setAttribute("data-debut-mounted", "1");
    var query = new URLSearchParams(el.getAttribute("data-debut-events") || "");
    var accent = el.getAttribute("data-debut-accent");
    if (accent) query.set("accent", accent);
    var lang = el.getAttribute("data-debut-lang") || document.documentElement.lang;
    if (lang && !query.has("lang")) query.set("lang", lang.toLowerCase().indexOf("en") === 0 ? "en" : "zh");
    var frame = document.createElement("iframe");
    frame.src = origin + "/widget?" + query.toString();
    frame.title = el.getAttribute("data-debut-title") || (query.get("lang") === "en" ? "Events" : "活动");
    frame.loading = "lazy";
    frame.style.cssText = "display:block;width:100%;height:16rem;border:0;";
    el.appendChild(frame);
    frames.push(frame);
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== origin || !event.data || typeof event.data.debutHeight !== "number") return;
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) frames[i].style.height = Math.ceil(event.data.debutHeight) + "px";
    }
  });

  var found = document.querySelectorAll("[data-debut-events]");
  for (var i = 0; i < found.length; i++) mount(found[i]);
})();
