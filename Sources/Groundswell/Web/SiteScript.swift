/// The site's only script, an enhancement: every page works without it. It votes in place
/// (the API's `POST/DELETE /ideas/{id}/votes` with the session's CSRF token), keeps counts
/// live from the event streams (`/ideas/{id}/events`, `/rounds/{id}/events`), and suggests
/// similar ideas as a title is typed (`GET /ideas/similar`). Text from the server is only ever
/// set as `textContent`, never as markup. When anything unexpected happens it lets the form
/// post normally, so the server's page says what went wrong in the reader's language.
enum SiteScript {
    static let js = #"""
        (function () {
          "use strict";
          var meta = document.querySelector('meta[name="csrf-token"]');
          var csrf = meta ? meta.getAttribute("content") : null;
          var live = document.getElementById("live");

          function announce(text) { if (live && text) { live.textContent = text; } }
          // Round states received from the event stream: each carries the reader's remaining votes
          // as the server counts them.
          var roundStates = 0;
          function setCounts(ideaId, votes) {
            document.querySelectorAll('[data-vote-count="' + ideaId + '"]').forEach(function (el) { el.textContent = String(votes); });
          }

          // Voting in place.
          document.querySelectorAll("form[data-vote-form]").forEach(function (form) {
            form.addEventListener("submit", function (event) {
              if (!csrf || !window.fetch) { return; }
              event.preventDefault();
              var id = form.getAttribute("data-vote-form");
              var actionInput = form.querySelector('input[name="action"]');
              var unvote = actionInput && actionInput.value === "unvote";
              var button = form.querySelector("button");
              if (button) { button.disabled = true; }
              var statesBefore = roundStates;
              fetch("/ideas/" + id + "/votes", {
                method: unvote ? "DELETE" : "POST",
                headers: { "X-CSRF-Token": csrf, "Accept": "application/json" },
                credentials: "same-origin"
              }).then(function (response) {
                if (!response.ok) { throw new Error("refused"); }
                return response.json();
              }).then(function (body) {
                setCounts(id, body.votes);
                var box = form.closest("[data-vote-texts]");
                if (box) {
                  var voted = !unvote;
                  actionInput.value = voted ? "unvote" : "vote";
                  button.textContent = box.getAttribute(voted ? "data-text-unvote" : "data-text-vote");
                  button.setAttribute("aria-pressed", voted ? "true" : "false");
                  button.className = voted ? "secondary" : "primary";
                  var note = box.querySelector(".voted");
                  if (note) { note.hidden = !voted; }
                  button.disabled = false;
                  announce(box.getAttribute(voted ? "data-notice-voted" : "data-notice-unvoted"));
                } else {
                  // A leaderboard row: one vote per idea per day.
                  button.textContent = "\u2713";
                  // Counted down here only if no round state came meanwhile: one that did may already
                  // count this vote (the stream can be faster than the answer), and if it came
                  // before the vote, the state after the vote follows.
                  var remaining = document.querySelector("[data-remaining]");
                  if (remaining && roundStates === statesBefore) {
                    remaining.textContent = String(Math.max(0, parseInt(remaining.textContent, 10) - 1));
                  }
                  announce(form.getAttribute("data-notice"));
                }
              }).catch(function () {
                // Let the server answer the form itself: its page explains, in the reader's language.
                form.submit();
              });
            });
          });

          // Live counts from the event streams.
          if (window.EventSource) {
            var idea = document.querySelector("article[data-idea]");
            if (idea) {
              var ideaId = idea.getAttribute("data-idea");
              new EventSource("/ideas/" + ideaId + "/events").addEventListener("idea", function (event) {
                try { setCounts(ideaId, JSON.parse(event.data).votes); } catch (e) { }
              });
            }
            var board = document.querySelector("[data-leaderboard]");
            if (board) {
              new EventSource("/rounds/" + board.getAttribute("data-leaderboard") + "/events").addEventListener("leaderboard", function (event) {
                try {
                  var state = JSON.parse(event.data);
                  roundStates += 1;
                  (state.leaderboard && state.leaderboard.items || []).forEach(function (item) { setCounts(item.idea_id, item.votes); });
                  var remaining = document.querySelector("[data-remaining]");
                  if (remaining && typeof state.remaining_votes === "number") { remaining.textContent = String(state.remaining_votes); }
                } catch (e) { }
              });
            }
          }

          // Similar ideas while a title is typed.
          var submitForm = document.querySelector("form[data-similar-form]");
          if (submitForm && window.fetch) {
            var title = submitForm.querySelector('input[name="title"]');
            var box = document.getElementById("similar");
            var list = document.getElementById("similar-list");
            var timer = null, asked = "";
            title.addEventListener("input", function () {
              clearTimeout(timer);
              timer = setTimeout(function () {
                var text = title.value.trim();
                if (text.length < 2 || text === asked) { return; }
                asked = text;
                fetch("/ideas/similar?limit=5&title=" + encodeURIComponent(text), { headers: { "Accept": "application/json" } })
                  .then(function (response) { return response.ok ? response.json() : { items: [] }; })
                  .then(function (body) {
                    if (asked !== text) { return; }
                    list.textContent = "";
                    (body.items || []).forEach(function (item) {
                      var li = document.createElement("li");
                      var a = document.createElement("a");
                      a.href = "/ideas/" + item.id;
                      a.textContent = item.title;
                      li.appendChild(a);
                      li.appendChild(document.createTextNode(" \u00b7 " + item.votes));
                      list.appendChild(li);
                    });
                    box.hidden = list.children.length === 0;
                  }).catch(function () { });
              }, 250);
            });
          }

          // Videos load their privacy-enhanced player only when the reader presses play.
          document.querySelectorAll("[data-embed]").forEach(function (button) {
            button.addEventListener("click", function (event) {
              var box = button.closest("[data-embed-src]");
              if (!box) { return; }
              event.preventDefault();
              var frame = document.createElement("iframe");
              frame.src = box.getAttribute("data-embed-src");
              frame.title = box.getAttribute("data-embed-title") || "Video";
              frame.width = "560";
              frame.height = "315";
              frame.setAttribute("allow", "fullscreen; picture-in-picture");
              frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
              box.textContent = "";
              box.appendChild(frame);
              frame.focus();
            });
          });

          // The share link selects itself for copying.
          var share = document.getElementById("share-url");
          if (share) { share.addEventListener("focus", function () { share.select(); }); }
        })();
        """#
}
