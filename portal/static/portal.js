// amthub portal: progressive enhancement only. Every page works without
// this file; with it, place fields suggest Saxon places as you type.
(function () {
  "use strict";
  function suggest(input) {
    var list = document.getElementById(input.getAttribute("data-places"));
    if (!list) { return; }
    var timer = null, last = "";
    input.addEventListener("input", function () {
      var q = input.value.trim();
      if (q.length < 2 || q === last) { return; }
      last = q;
      clearTimeout(timer);
      timer = setTimeout(function () {
        fetch("/api/orte?q=" + encodeURIComponent(q), { headers: { "Accept": "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { places: [] }; })
          .then(function (data) {
            while (list.firstChild) { list.removeChild(list.firstChild); }
            data.places.forEach(function (p) {
              var o = document.createElement("option");
              o.value = p.name.split(",")[0];
              o.textContent = p.name + (p.postcode ? " (" + p.postcode + ")" : "");
              list.appendChild(o);
            });
          })
          .catch(function () { /* suggestions are optional */ });
      }, 200);
    });
  }
  document.querySelectorAll("input[data-places]").forEach(suggest);
})();
