/*
 * 连心 lianxin: the passage entry page (/screening/entry) for a volunteer's phone.
 *
 * Every passage goes to IndexedDB first and is sent from there, so nothing typed is lost when
 * the street corner loses signal or the page is closed:
 *  - the database "lianxin-entry" holds the page's own id (meta/client_id, made once) and the
 *    queue (autoIncrement keys: the passage's sequence number). The id and the key generator
 *    live and die together, so a (client_id, seq) pair is never reused;
 *  - the server stores (user, client_id, seq) once: a batch re-sent after a lost answer adds
 *    nothing ("duplicates" in the answer), so no passage is doubled either;
 *  - the queue is sent on save, when the browser comes back online, and every 15 s while
 *    something waits; a refused passage is kept with the server's reason;
 *  - identity numbers leave the phone's storage once the server has the passage.
 * The service worker (/screening/sw.js) serves this page and its assets when offline.
 */
(function () {
  "use strict";

  var boot = JSON.parse(document.getElementById("entry-boot").textContent);
  var T = boot.i18n;
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var SHIFTS_KEY = "lianxin.entry.shifts." + boot.user_id;
  var $ = function (id) {
    return document.getElementById(id);
  };

  // ---- storage ----
  function randomId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var a = new Uint8Array(16);
    crypto.getRandomValues(a);
    return Array.prototype.map
      .call(a, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }

  var dbPromise = new Promise(function (resolve, reject) {
    var req = indexedDB.open("lianxin-entry", 1);
    req.onupgradeneeded = function () {
      var db = req.result;
      db.createObjectStore("queue", { keyPath: "seq", autoIncrement: true });
      db.createObjectStore("meta").put(randomId(), "client_id");
    };
    req.onsuccess = function () {
      resolve(req.result);
    };
    req.onerror = function () {
      reject(req.error);
    };
  });

  function run(store, mode, fn) {
    return dbPromise.then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(store, mode);
        var req = fn(tx.objectStore(store));
        tx.oncomplete = function () {
          resolve(req ? req.result : undefined);
        };
        tx.onerror = tx.onabort = function () {
          reject(tx.error);
        };
      });
    });
  }
  var clientId = function () {
    return run("meta", "readonly", function (s) {
      return s.get("client_id");
    });
  };
  var allItems = function () {
    return run("queue", "readonly", function (s) {
      return s.getAll();
    });
  };
  var putItem = function (item) {
    return run("queue", "readwrite", function (s) {
      return s.put(item);
    });
  };
  var addItem = function (item) {
    return run("queue", "readwrite", function (s) {
      return s.add(item);
    });
  };

  // ---- shifts ----
  var shifts = boot.shifts || [];
  try {
    if (navigator.onLine === false) {
      shifts = JSON.parse(localStorage.getItem(SHIFTS_KEY) || "null") || shifts;
    }
  } catch (e) {
    /* keep the page's own list */
  }

  function activeShift() {
    var now = Date.now();
    return shifts.filter(function (s) {
      return (
        s.signed_in_at &&
        !s.signed_out_at &&
        now <= new Date(s.ends_at).getTime() + 2 * 3600 * 1000
      );
    })[0];
  }

  function api(method, url, body) {
    var opts = {
      method: method,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRF-Token": csrf },
    };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    return fetch(url, opts);
  }

  function problemText(r) {
    return r
      .json()
      .catch(function () {
        return {};
      })
      .then(function (p) {
        var fields = (p.errors || []).map(function (e) {
          return e.message;
        });
        return fields.length ? fields.join("；") : p.detail || "HTTP " + r.status;
      });
  }

  function message(text) {
    var m = $("entry-message");
    m.textContent = text || "";
    m.hidden = !text;
  }

  function refreshShifts() {
    return api("GET", "/api/v1/duty/mine")
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(function (list) {
        shifts = list;
        try {
          localStorage.setItem(SHIFTS_KEY, JSON.stringify(list));
        } catch (e) {
          /* storage full: the page still works online */
        }
        renderShifts();
      })
      .catch(function () {
        /* offline: keep what we have */
      });
  }

  function shiftAction(id, action) {
    message("");
    return api("POST", "/api/v1/duty/shifts/" + id + "/" + action)
      .then(function (r) {
        if (!r.ok) return problemText(r).then(message);
      })
      .catch(function () {
        message(T.offline);
      })
      .then(refreshShifts);
  }

  function renderShifts() {
    var ul = $("shifts");
    ul.innerHTML = "";
    if (!shifts.length) {
      var li = document.createElement("li");
      li.className = "muted";
      li.textContent = T.no_shift;
      ul.appendChild(li);
    }
    shifts.forEach(function (s) {
      var li = document.createElement("li");
      li.id = "shift-" + s.id;
      var day = new Date(s.starts_at).toLocaleDateString();
      li.innerHTML =
        "<div><strong></strong> <span class='muted'></span></div><div><span class='badge'></span> </div>";
      li.querySelector("strong").textContent = s.checkpoint_name;
      li.querySelector(".muted").textContent = day + " " + s.hours;
      var badge = li.querySelector(".badge");
      badge.textContent = s.status_label;
      badge.className =
        "badge " +
        (s.status === "on_duty" ? "badge-ok" : s.status === "missed" ? "badge-danger" : "badge-muted");
      var actions = li.lastChild;
      var opensAt = new Date(s.starts_at).getTime() - 30 * 60 * 1000;
      var open = Date.now() >= opensAt && Date.now() < new Date(s.ends_at).getTime();
      if (!s.signed_in_at && open) {
        actions.appendChild(button(T.sign_in, "btn btn-primary btn-sm sign-in", function () {
          shiftAction(s.id, "sign-in");
        }));
      } else if (s.signed_in_at && !s.signed_out_at && s.status === "on_duty") {
        actions.appendChild(button(T.sign_out, "btn btn-light btn-sm sign-out", function () {
          shiftAction(s.id, "sign-out");
        }));
      }
      ul.appendChild(li);
    });
    var a = activeShift();
    $("entry-card").hidden = !a;
    if (a) $("entry-checkpoint").textContent = a.checkpoint_name;
  }

  function button(text, cls, onclick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = cls;
    b.textContent = text;
    b.addEventListener("click", onclick);
    return b;
  }

  // ---- the form ----
  var chosen = null; // {person_id, name, id_masked}

  function validId(v) {
    if (!/^\d{17}[\dX]$/.test(v)) return false;
    var w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    var sum = 0;
    for (var i = 0; i < 17; i++) sum += (v.charCodeAt(i) - 48) * w[i];
    return "10X98765432".charAt(sum % 11) === v.charAt(17);
  }

  function maskId(v) {
    return v.slice(0, 3) + "***********" + v.slice(14); // as the server masks it
  }

  function choose(hit) {
    chosen = hit;
    var c = $("chosen");
    c.hidden = !hit;
    $("manual").disabled = !!hit;
    if (hit) {
      c.textContent = T.chosen + "：" + hit.name + " " + hit.id_masked + " ";
      c.appendChild(button(T.clear, "btn btn-sm btn-light", function () {
        choose(null);
      }));
      $("temperature").focus();
    }
  }

  function lookup() {
    var a = activeShift();
    var q = $("lookup-q").value.trim();
    var box = $("lookup-results");
    box.innerHTML = "";
    if (!a) return;
    api(
      "GET",
      "/api/v1/screening/lookup?checkpoint_id=" + a.checkpoint_id + "&q=" + encodeURIComponent(q)
    )
      .then(function (r) {
        if (!r.ok) return problemText(r).then(function (t) {
          box.textContent = t;
        });
        return r.json().then(function (hits) {
          if (hits.length === 1) {
            // One person found: taken at once, no second tap.
            choose(hits[0]);
            return;
          }
          if (!hits.length) {
            box.textContent = T.none_found;
            // A visitor's identity number not in the registry goes to the manual fields.
            var id = q.toUpperCase();
            if (validId(id)) {
              $("id_number").value = id;
              $("temperature").focus();
            }
          }
          hits.forEach(function (h) {
            box.appendChild(
              button(
                h.name + " " + h.id_masked + (h.enterprise_name ? " · " + h.enterprise_name : ""),
                "btn btn-light btn-block lookup-hit",
                function () {
                  box.innerHTML = "";
                  choose(h);
                }
              )
            );
          });
        });
      })
      .catch(function () {
        box.textContent = T.offline;
      });
  }

  function save(ev) {
    ev.preventDefault();
    var a = activeShift();
    var err = $("entry-error");
    err.textContent = "";
    // An old sending error is not this person's: the next save clears it.
    message("");
    if (!a) {
      err.textContent = T.not_on_duty;
      return;
    }
    var passage = {};
    var label;
    if (chosen) {
      passage.person_id = chosen.person_id;
      label = chosen.name + " " + chosen.id_masked;
    } else {
      var id = $("id_number").value.trim().toUpperCase();
      // A visitor's number typed in the search field alone is enough.
      var typed = $("lookup-q").value.trim().toUpperCase();
      if (!id && validId(typed)) id = typed;
      if (!id) {
        err.textContent = T.need_person;
        return;
      }
      if (!validId(id)) {
        err.textContent = T.bad_id;
        return;
      }
      passage.id_number = id;
      var name = $("name").value.trim();
      var phone = $("phone").value.trim();
      if (name) passage.name = name;
      if (phone) passage.phone = phone;
      label = (name ? name + " " : "") + maskId(id);
    }
    var t = parseFloat($("temperature").value.replace("，", ".").replace(",", "."));
    if (!(t >= 34 && t <= 43)) {
      err.textContent = T.bad_temp;
      return;
    }
    passage.temperature = Math.round(t * 10);
    passage.direction = document.querySelector('input[name="direction"]:checked').value;
    passage.at = new Date().toISOString();
    var fever = passage.temperature >= boot.fever_threshold;
    var item = {
      checkpoint_id: a.checkpoint_id,
      checkpoint_name: a.checkpoint_name,
      passage: passage,
      label: label + " " + (passage.temperature / 10).toFixed(1) + "℃ " + T[passage.direction],
      fever: fever,
      state: "pending",
      error: "",
      created: passage.at,
    };
    addItem(item).then(function () {
      // The next person: clear who and the temperature, keep the direction.
      choose(null);
      $("id_number").value = "";
      $("name").value = "";
      $("phone").value = "";
      $("temperature").value = "";
      $("lookup-q").value = "";
      $("lookup-results").innerHTML = "";
      var last = $("last-result");
      last.hidden = false;
      last.className = "flash " + (fever ? "error" : "success");
      last.textContent = (fever ? T.fever + " · " : T.queued + " · ") + item.label;
      $("lookup-q").focus();
      render().then(flush);
    });
  }

  // ---- sending ----
  var flushing = false;

  function flush() {
    if (flushing) return Promise.resolve();
    flushing = true;
    return allItems()
      .then(function (items) {
        var pending = items.filter(function (i) {
          return i.state === "pending";
        });
        if (!pending.length) return;
        var byCheckpoint = {};
        pending.forEach(function (i) {
          (byCheckpoint[i.checkpoint_id] = byCheckpoint[i.checkpoint_id] || []).push(i);
        });
        return clientId().then(function (cid) {
          return Object.keys(byCheckpoint).reduce(function (p, cp) {
            return p.then(function () {
              return send(cid, cp, byCheckpoint[cp].slice(0, 1000));
            });
          }, Promise.resolve());
        });
      })
      .then(
        function () {
          setNet(true);
        },
        function (e) {
          if (e && e.offline) setNet(false);
        }
      )
      .then(function () {
        flushing = false;
        return render();
      });
  }

  function send(cid, checkpointId, items) {
    var body = {
      client_id: cid,
      passages: items.map(function (i) {
        var p = { device_seq: i.seq };
        Object.keys(i.passage || {}).forEach(function (k) {
          p[k] = i.passage[k];
        });
        return p;
      }),
    };
    return api("POST", "/api/v1/checkpoints/" + checkpointId + "/passages", body).then(
      function (r) {
        if (r.status === 200) {
          message("");
          return r.json().then(function (res) {
            var refused = {};
            (res.rejected || []).forEach(function (x) {
              refused[x.index] = x.errors
                .map(function (e) {
                  return e.message;
                })
                .join("；");
            });
            return Promise.all(
              items.map(function (it, idx) {
                if (refused[idx] !== undefined) {
                  it.state = "rejected";
                  it.error = refused[idx];
                } else {
                  it.state = "sent";
                  it.passage = null; // the identity number leaves the phone
                }
                return putItem(it);
              })
            );
          });
        }
        if (r.status === 422 && items.length === 1) {
          return problemText(r).then(function (t) {
            items[0].state = "rejected";
            items[0].error = t;
            return putItem(items[0]);
          });
        }
        if (r.status === 401 || r.url.indexOf("/login") >= 0) {
          message(T.session);
          throw new Error("session");
        }
        return problemText(r).then(function (t) {
          message(t);
          throw new Error(t);
        });
      },
      function () {
        var e = new Error("offline");
        e.offline = true;
        throw e;
      }
    );
  }

  function setNet(online) {
    var n = $("net-state");
    n.textContent = online ? T.online : T.offline;
    n.className = "badge " + (online ? "badge-ok" : "badge-warn");
  }

  function render() {
    return allItems().then(function (items) {
      var pending = items.filter(function (i) {
        return i.state === "pending";
      }).length;
      $("pending-count").textContent = String(pending);
      $("queue-bar").className = "flash " + (pending ? "warn" : "success");
      var ul = $("recent");
      ul.innerHTML = "";
      items
        .slice(-20)
        .reverse()
        .forEach(function (i) {
          var li = document.createElement("li");
          li.className = "entry-" + i.state;
          li.setAttribute("data-seq", i.seq);
          var when = new Date(i.created).toLocaleTimeString();
          li.textContent = when + " " + i.label + " · " + T[i.state] + (i.error ? "：" + i.error : "");
          if (i.fever) li.className += " fever";
          ul.appendChild(li);
        });
    });
  }

  // ---- wiring ----
  $("entry-form").addEventListener("submit", save);
  $("lookup-btn").addEventListener("click", lookup);
  $("lookup-q").addEventListener("keydown", function (e) {
    if (e.key === "Enter") {
      e.preventDefault();
      lookup();
    }
  });
  $("send-now").addEventListener("click", flush);
  window.addEventListener("online", function () {
    setNet(true);
    refreshShifts();
    flush();
  });
  window.addEventListener("offline", function () {
    setNet(false);
  });
  setInterval(function () {
    allItems().then(function (items) {
      if (
        items.some(function (i) {
          return i.state === "pending";
        })
      )
        flush();
    });
  }, 15000);

  setNet(navigator.onLine !== false);
  renderShifts();
  render().then(flush);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/screening/sw.js", { scope: "/screening/" }).catch(function () {
      /* no offline page, the queue still works */
    });
  }
})();
