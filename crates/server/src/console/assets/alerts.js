// Vigil console: the live alert queue. Listens to the server-sent events of the queue's
// table (data-stream) and puts each new alert's row, rendered and escaped by the server,
// at the top of the table; the notice above it counts them and offers a reload. The
// checkbox in the table's head selects every row for a bulk change.
(function () {
  "use strict";
  var table = document.querySelector("table[data-stream]");
  var notice = document.getElementById("live-notice");
  var all = document.getElementById("select-all");
  if (all && table) {
    all.addEventListener("change", function () {
      var boxes = table.querySelectorAll("tbody input[type=checkbox][name=id]");
      for (var i = 0; i < boxes.length; i += 1) {
        boxes[i].checked = all.checked;
      }
    });
  }
  if (!table || !notice || !window.EventSource) {
    return;
  }
  var body = table.tBodies[0];
  var count = notice.querySelector(".n");
  var arrived = 0;
  var source = new EventSource(table.getAttribute("data-stream"));
  source.addEventListener("alert", function (message) {
    var parsed = new DOMParser().parseFromString(
      "<table><tbody>" + message.data + "</tbody></table>",
      "text/html"
    );
    var row = parsed.querySelector("tbody > tr");
    if (row) {
      row.classList.add("arrived");
      body.insertBefore(document.importNode(row, true), body.firstChild);
    }
    arrived += 1;
    count.textContent = String(arrived);
    notice.hidden = false;
  });
})();
