/* The badge scanner for staff phones (served at /scan).

   Online, every scan is decided by the service (POST …/checkin/scans). When the network is gone (or
   does not answer within a few seconds), the phone decides alone with the checkpoint's offline kit
   (GET …/checkpoints/{id}/kit: keys, revocations, rules, and who may pass), exactly as the service
   would: the same badge checks as events/badges/tokens.py (Ed25519 through WebCrypto), the same
   reasons in the same order as events/checkin/rules.py. Those scans wait in IndexedDB and are sent
   (POST …/checkin/sync) as soon as the network is back, with their nonces, so sending twice changes
   nothing. A service worker (sw.js) keeps this page and its files for opening it offline. */
(() => {
  "use strict";

  const API = "/api/v1";
  const $ = (id) => document.getElementById(id);
  // The page's language: the server puts the translations of this file's texts (English text →
  // translation) in <script id="scanner-texts">; a text it lacks stays English. Texts are marked
  // t("…") where shown, N_("…") where kept for later, so `python -m events.i18n` extracts them.
  const TEXTS = (() => {
    try {
      return JSON.parse(document.getElementById("scanner-texts").textContent) || {};
    } catch (_) {
      return {};
    }
  })();
  const N_ = (text) => text;
  function t(text, values) {
    const translated = Object.prototype.hasOwnProperty.call(TEXTS, text) && TEXTS[text] ? TEXTS[text] : text;
    if (!values) return translated;
    return translated.replace(/%\(([a-z_]+)\)s/g, (whole, name) => (name in values ? String(values[name]) : whole));
  }
  const LEEWAY_MS = 5 * 60 * 1000;
  const ONLINE_TIMEOUT_MS = 5000;
  const SYNC_BATCH = 500;
  const BADGE_TO_CHECKIN = {
    malformed: "unknown",
    unsupported_format: "unknown",
    wrong_event: "wrong_event",
    unknown_key: "forged",
    bad_signature: "forged",
    key_retired: "revoked",
    superseded: "revoked",
    revoked: "revoked",
    registration_cancelled: "cancelled",
    registration_rejected: "cancelled",
    not_yet_valid: "outside_time_window",
    expired: "outside_time_window",
  };
  const NOT_GENUINE = new Set(["unknown", "forged", "wrong_event"]);
  const MESSAGES = {
    unknown: N_("Not a badge of this event system"),
    forged: N_("Forged or altered badge"),
    revoked: N_("Badge no longer valid (replaced or withdrawn)"),
    wrong_event: N_("Badge for another event"),
    cancelled: N_("Cancelled"),
    not_registered: N_("Registration not approved"),
    not_signed_up: N_("Not signed up for this session"),
    not_assigned: N_("Not assigned to this vehicle"),
    outside_time_window: N_("Outside the opening times"),
    already_inside: N_("Already admitted"),
  };
  const OK_MESSAGE = { in: N_("Welcome"), out: N_("Goodbye") };
  const NEEDS = {
    step_free_access: N_("Step-free access"),
    sign_language: N_("Sign language"),
    hearing_loop: N_("Hearing loop"),
    large_print: N_("Large print"),
    other: N_("Other needs"),
  };

  // --- state ---------------------------------------------------------------------------------------

  const saved = JSON.parse(localStorage.getItem("scanner.state") || "{}");
  const state = {
    token: saved.token || null,
    user: saved.user || null,
    eventId: saved.eventId || null,
    checkpointId: saved.checkpointId || null,
    deviceId: saved.deviceId || `web-${randomId().slice(0, 12)}`,
  };
  let kit = null; // the current checkpoint's kit, merged
  let badges = new Map(); // badge id -> person
  let lastCounts = null;
  let syncing = false;
  let busy = false;
  let stream = null;
  let detector = null;
  let lastText = "";
  let lastTextAt = 0;
  let answerTimer = null;
  const keyCache = new Map();

  function save() {
    localStorage.setItem(
      "scanner.state",
      JSON.stringify({
        token: state.token,
        user: state.user,
        eventId: state.eventId,
        checkpointId: state.checkpointId,
        deviceId: state.deviceId,
      }),
    );
  }

  function randomId() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // --- IndexedDB: kits, the queue of offline scans, and rows the service refused -------------------

  let dbPromise = null;
  function idb() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const request = indexedDB.open("onestop-scanner", 1);
        request.onupgradeneeded = () => {
          const db = request.result;
          db.createObjectStore("kits", { keyPath: "checkpoint_id" });
          db.createObjectStore("queue", { keyPath: "scan.nonce" });
          db.createObjectStore("failed", { keyPath: "scan.nonce" });
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    }
    return dbPromise;
  }

  async function store(name, mode, action) {
    const db = await idb();
    return new Promise((resolve, reject) => {
      const transaction = db.transaction(name, mode);
      const request = action(transaction.objectStore(name));
      transaction.oncomplete = () => resolve(request ? request.result : undefined);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  }
  const dbGet = (name, key) => store(name, "readonly", (s) => s.get(key));
  const dbAll = (name) => store(name, "readonly", (s) => s.getAll());
  const dbPut = (name, value) => store(name, "readwrite", (s) => s.put(value));
  const dbDelete = (name, key) => store(name, "readwrite", (s) => s.delete(key));

  // --- the network -------------------------------------------------------------------------------------

  async function api(method, path, body, timeoutMs = 15000) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (state.token) headers.Authorization = `Bearer ${state.token}`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const response = await fetch(API + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
        cache: "no-store",
        signal: controller.signal,
      });
      let data = null;
      try {
        data = await response.json();
      } catch (_) {
        data = null;
      }
      return { status: response.status, ok: response.ok, data };
    } finally {
      clearTimeout(timer);
    }
  }

  function online() {
    return navigator.onLine !== false;
  }

  function showNetwork() {
    const pill = $("network");
    pill.textContent = online() ? t("Online") : t("Offline");
    pill.classList.toggle("offline", !online());
  }

  async function showQueue() {
    const [queued, failed] = await Promise.all([dbAll("queue"), dbAll("failed")]);
    const pill = $("queue");
    const parts = [];
    if (queued.length) parts.push(t("%(count)s to sync", { count: queued.length }));
    if (failed.length) parts.push(t("%(count)s refused by the server", { count: failed.length }));
    pill.textContent = parts.join(t(", "));
    pill.hidden = parts.length === 0;
    pill.dataset.queued = String(queued.length);
  }

  function say(text, error = false) {
    const message = $("message");
    message.textContent = text;
    message.classList.toggle("error", error);
    message.hidden = !text;
  }

  // --- views -------------------------------------------------------------------------------------------

  function view(name) {
    for (const id of ["sign-in", "setup", "scanner"]) $(id).hidden = id !== name;
    $("sign-out").hidden = name === "sign-in";
  }

  async function whoAmI() {
    const answer = await api("GET", "/auth/me");
    if (answer.status === 200) {
      state.user = { id: answer.data.user.id, username: answer.data.user.username, grants: answer.data.user.grants };
      save();
      return true;
    }
    if (answer.status === 401) {
      state.user = null;
      save();
    }
    return false;
  }

  async function signIn(event) {
    event.preventDefault();
    say("");
    state.token = null;
    try {
      const answer = await api("POST", "/auth/sign-in", {
        username: $("username").value.trim(),
        password: $("password").value,
      });
      if (answer.status !== 200) {
        say(answer.data && answer.data.detail ? answer.data.detail : t("Sign-in failed"), true);
        return;
      }
      $("password").value = "";
      await whoAmI();
      await setup();
    } catch (_) {
      say(t("No network: signing in needs one."), true);
    }
  }

  async function useToken(event) {
    event.preventDefault();
    state.token = $("api-token").value.trim() || null;
    $("api-token").value = "";
    try {
      if (await whoAmI()) {
        await setup();
        return;
      }
    } catch (_) {
      say(t("No network: checking the token needs one."), true);
      return;
    }
    state.token = null;
    save();
    say(t("That token was refused."), true);
  }

  async function signOut() {
    try {
      if (!state.token) await api("POST", "/auth/sign-out", {});
    } catch (_) {
      // offline: forget locally all the same
    }
    stopCamera();
    state.token = null;
    state.user = null;
    save();
    view("sign-in");
  }

  function eventIdsOf(user) {
    const grants = (user && user.grants) || [];
    if (grants.some((g) => g.role === "organiser" && g.event_id === null)) return null; // all events
    return [...new Set(grants.filter((g) => g.role === "organiser" || g.role === "staff").map((g) => g.event_id))];
  }

  async function setup() {
    view("setup");
    const select = $("event");
    select.replaceChildren();
    const mine = eventIdsOf(state.user);
    let events = [];
    try {
      const listed = await api("GET", "/events?limit=200");
      events = listed.ok ? listed.data.items : [];
    } catch (_) {
      events = [];
    }
    const chosen = mine === null ? events : events.filter((e) => mine.includes(e.id));
    for (const id of mine || []) {
      if (!chosen.some((e) => e.id === id)) chosen.push({ id, title: t("Event %(id)s", { id }) });
    }
    for (const event of chosen) select.add(new Option(event.title, String(event.id)));
    if (state.eventId && chosen.some((e) => e.id === state.eventId)) select.value = String(state.eventId);
    if (!chosen.length) say(t("Your account scans for no event."), true);
    await loadCheckpoints();
  }

  // Loads can overlap (the first one and a change of event): only the latest fills the list, and it
  // empties the list only once its answer is in, so two loads never add the checkpoints twice. A
  // checkpoint picked while a load was under way stays picked when that load refills the list (on a
  // slow link the person may choose from the earlier list before the later answer arrives).
  let checkpointLoads = 0;
  const NO_CHECKPOINT = N_("This event has no open checkpoint yet: an organiser adds them on the console's Check-in page.");

  async function loadCheckpoints() {
    const select = $("checkpoint");
    const load = ++checkpointLoads;
    const eventId = Number($("event").value);
    if (!eventId) {
      select.replaceChildren();
      return;
    }
    const answer = await api("GET", `/events/${eventId}/checkin/checkpoints?limit=200`);
    if (load !== checkpointLoads) return;
    const picked = select.value;
    select.replaceChildren();
    if (!answer.ok) {
      say(answer.data && answer.data.detail ? answer.data.detail : t("Cannot list the checkpoints"), true);
      return;
    }
    const active = answer.data.items.filter((c) => c.active).map((c) => String(c.id));
    for (const checkpoint of answer.data.items.filter((c) => c.active)) {
      select.add(new Option(checkpoint.name, String(checkpoint.id)));
    }
    const remembered = state.checkpointId ? String(state.checkpointId) : "";
    if (picked && active.includes(picked)) select.value = picked;
    else if (active.includes(remembered)) select.value = remembered;
    // An empty list would leave "Start scanning" doing nothing, with no word why.
    $("start").disabled = !active.length;
    if (!active.length) say(t(NO_CHECKPOINT), true);
    else if ($("message").textContent === t(NO_CHECKPOINT)) say("");
  }

  async function start() {
    state.eventId = Number($("event").value);
    state.checkpointId = Number($("checkpoint").value);
    if (!state.eventId || !state.checkpointId) return;
    save();
    say("");
    kit = (await dbGet("kits", state.checkpointId)) || null;
    if (kit && kit.event_id !== state.eventId) kit = null;
    await refreshKit();
    if (!kit) {
      say(t("The checkpoint's data could not be loaded; try again with a network."), true);
      return;
    }
    openScanner();
  }

  function openScanner() {
    view("scanner");
    $("checkpoint-name").textContent = kit.rules.name;
    $("direction-choice").hidden = !kit.rules.tracks_exit;
    if (!kit.rules.tracks_exit) document.querySelector("input[name=direction][value=in]").checked = true;
    showKit();
    showCounts(kit.counts);
  }

  function showKit() {
    const when = kit.as_of ? new Date(kit.as_of).toLocaleTimeString() : "?";
    $("kit-state").textContent =
      t("Offline data: %(count)s people may pass, updated %(time)s. Device %(device)s.", {
        count: Object.keys(kit.people).length,
        time: when,
        device: state.deviceId,
      });
  }

  function showCounts(counts) {
    if (!counts) return;
    lastCounts = counts;
    const exits = kit && kit.rules.tracks_exit;
    $("counts").textContent = exits
      ? t("Inside now: %(inside)s · admitted: %(admitted)s of %(expected)s", counts)
      : t("Admitted: %(admitted)s of %(expected)s", counts);
  }

  // --- the offline kit --------------------------------------------------------------------------------

  async function refreshKit() {
    if (!state.checkpointId || !online()) return;
    const since = kit && kit.as_of ? `?since=${encodeURIComponent(kit.as_of)}` : "";
    let answer;
    try {
      answer = await api("GET", `/events/${state.eventId}/checkin/checkpoints/${state.checkpointId}/kit${since}`);
    } catch (_) {
      return;
    }
    if (answer.status === 401) {
      view("sign-in");
      return;
    }
    if (!answer.ok) return;
    kit = mergeKit(kit, answer.data);
    await applyQueued();
    await dbPut("kits", kit);
    indexBadges();
    if (!$("scanner").hidden) {
      showKit();
      showCounts(kit.counts);
    }
  }

  function mergeKit(old, fresh) {
    const merged = old && !fresh.full ? old : { revoked: {}, people: {} };
    merged.checkpoint_id = fresh.rules.checkpoint_id;
    merged.event_id = fresh.event_id;
    merged.time_zone = fresh.time_zone;
    merged.as_of = fresh.as_of;
    merged.rules = fresh.rules;
    merged.keys = fresh.keys;
    merged.messages = fresh.messages || MESSAGES;
    for (const item of fresh.revoked) merged.revoked[item.badge_id] = item.kind;
    for (const person of fresh.people) merged.people[person.registration_id] = person;
    const allowed = new Set(fresh.allowed);
    for (const id of Object.keys(merged.people)) if (!allowed.has(Number(id))) delete merged.people[id];
    merged.admitted = fresh.admitted;
    merged.inside = fresh.inside;
    merged.counts = fresh.counts;
    return merged;
  }

  function indexBadges() {
    badges = new Map();
    if (!kit) return;
    for (const person of Object.values(kit.people)) if (person.badge_id) badges.set(person.badge_id, person);
  }

  async function applyQueued() {
    // Scans still waiting to be synced count in this phone's view of who is inside.
    if (!kit) return;
    const admitted = new Set(kit.admitted);
    const inside = new Set(kit.inside);
    const queued = (await dbAll("queue")).filter((q) => q.scan.checkpoint_id === kit.checkpoint_id);
    queued.sort((a, b) => a.scan.scanned_at.localeCompare(b.scan.scanned_at));
    for (const item of queued) notePresence(admitted, inside, item.registration_id, item.scan.direction, item.scan.result);
    kit.admitted = [...admitted];
    kit.inside = [...inside];
  }

  function notePresence(admitted, inside, registrationId, direction, result) {
    if (result !== "ok" || !registrationId) return;
    if (direction === "out") inside.delete(registrationId);
    else {
      admitted.add(registrationId);
      inside.add(registrationId);
    }
  }

  async function rememberPresence(registrationId, direction, result) {
    if (!kit) return;
    const admitted = new Set(kit.admitted);
    const inside = new Set(kit.inside);
    notePresence(admitted, inside, registrationId, direction, result);
    kit.admitted = [...admitted];
    kit.inside = [...inside];
    await dbPut("kits", kit);
  }

  // --- deciding alone (mirrors events/badges/tokens.py and events/checkin/rules.py) --------------------

  function base32(text) {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    const clean = String(text).replace(/\s+/g, "").toUpperCase().replace(/=+$/, "");
    if (clean.length !== 140) return null;
    const out = new Uint8Array(87);
    let bits = 0;
    let value = 0;
    let index = 0;
    for (const ch of clean) {
      const digit = alphabet.indexOf(ch);
      if (digit < 0) return null;
      value = (value << 5) | digit;
      bits += 5;
      if (bits >= 8) {
        bits -= 8;
        if (index < 87) out[index] = (value >>> bits) & 0xff;
        index += 1;
      }
    }
    // The last character carries 4 unused bits: only the issuer's spelling (zeros) is canonical.
    if (value & ((1 << bits) - 1)) return null;
    return index === 87 ? out : null;
  }

  function u32(bytes, offset) {
    return new DataView(bytes.buffer, bytes.byteOffset).getUint32(offset, false);
  }

  function fromB64url(text) {
    const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }

  async function publicKey(key) {
    if (!keyCache.has(key.public_key)) {
      keyCache.set(
        key.public_key,
        crypto.subtle.importKey("raw", fromB64url(key.public_key), { name: "Ed25519" }, false, ["verify"]),
      );
    }
    return keyCache.get(key.public_key);
  }

  // The badge verifier: {badgeId} or {reason, detail} (a reason of events/badges/tokens.py).
  async function verifyBadge(text, now) {
    const raw = base32(text);
    if (!raw) return { reason: "malformed", detail: "not a badge code, or cut short" };
    if (raw[0] !== 1) return { reason: "unsupported_format", detail: `format ${raw[0]}` };
    const eventId = u32(raw, 5);
    if (eventId !== kit.event_id) return { reason: "wrong_event", detail: `a badge of event ${eventId}` };
    const keyId = Array.from(raw.slice(1, 5), (b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();
    const key = kit.keys.find((k) => k.key_id === keyId);
    if (!key) return { reason: "unknown_key", detail: `key ${keyId}` };
    let valid = false;
    try {
      valid = await crypto.subtle.verify({ name: "Ed25519" }, await publicKey(key), raw.slice(23), raw.slice(0, 23));
    } catch (_) {
      return { reason: "malformed", detail: "this browser cannot check badge signatures offline" };
    }
    if (!valid) return { reason: "bad_signature", detail: "the signature does not match" };
    if (key.retired_at && Date.parse(key.retired_at) <= now) return { reason: "key_retired", detail: `key ${keyId} retired` };
    const badgeId = u32(raw, 9);
    if (kit.revoked[badgeId]) {
      const kind = kit.revoked[badgeId];
      return { reason: kind in BADGE_TO_CHECKIN ? kind : "revoked", detail: `badge ${badgeId}`, badgeId };
    }
    const notBefore = u32(raw, 15) * 1000;
    const notAfter = u32(raw, 19) * 1000;
    if (now + LEEWAY_MS < notBefore) return { reason: "not_yet_valid", detail: `valid from ${new Date(notBefore).toISOString()}` };
    if (now - LEEWAY_MS > notAfter) return { reason: "expired", detail: `valid until ${new Date(notAfter).toISOString()}` };
    return { badgeId };
  }

  function refusedByRule(rules) {
    if (rules.admits === "session") return rules.session_optional ? "not_signed_up" : "not_registered";
    if (rules.admits === "visit" || rules.admits === "transfer") return "not_assigned";
    return "not_registered";
  }

  // The decision: {ok, reason, detail, person}.
  async function decideOffline({ token, registrationId }, direction, now) {
    const rules = kit.rules;
    let person = null;
    if (token !== undefined) {
      const badge = await verifyBadge(token, now);
      if (badge.reason) {
        const reason = BADGE_TO_CHECKIN[badge.reason];
        const shown = badge.badgeId ? badges.get(badge.badgeId) || null : null;
        if (direction === "out" && !NOT_GENUINE.has(reason)) return { ok: true, reason: null, detail: "", person: shown };
        return { ok: false, reason, detail: badge.detail, person: NOT_GENUINE.has(reason) ? null : shown };
      }
      person = badges.get(badge.badgeId) || null;
    } else {
      person = kit.people[registrationId] || null;
    }
    if (direction === "out") return { ok: true, reason: null, detail: "", person };
    if (rules.session_cancelled) return { ok: false, reason: "cancelled", detail: "the session was cancelled", person };
    if (!person) return { ok: false, reason: refusedByRule(rules), detail: "not on this checkpoint's list", person: null };
    if (rules.opens_at && now < Date.parse(rules.opens_at)) return { ok: false, reason: "outside_time_window", detail: `opens at ${rules.opens_at}`, person };
    if (rules.closes_at && now > Date.parse(rules.closes_at)) return { ok: false, reason: "outside_time_window", detail: `closed at ${rules.closes_at}`, person };
    const id = person.registration_id;
    if ((rules.single_entry && kit.admitted.includes(id)) || (rules.tracks_exit && kit.inside.includes(id))) {
      return { ok: false, reason: "already_inside", detail: rules.single_entry ? "single entry" : "", person };
    }
    return { ok: true, reason: null, detail: "", person };
  }

  // --- scanning ---------------------------------------------------------------------------------------

  function direction() {
    const checked = document.querySelector("input[name=direction]:checked");
    return checked ? checked.value : "in";
  }

  async function submit(subject) {
    if (!kit || busy) return;
    busy = true;
    try {
      const now = Date.now();
      const scan = {
        nonce: randomId(),
        checkpoint_id: kit.checkpoint_id,
        direction: direction(),
        scanned_at: new Date(now).toISOString(),
      };
      if (subject.token !== undefined) scan.token = subject.token.slice(0, 400);
      else scan.registration_id = subject.registrationId;
      if (online()) {
        let answer = null;
        try {
          answer = await api(
            "POST",
            `/events/${kit.event_id}/checkin/scans`,
            { ...scan, device_id: state.deviceId },
            ONLINE_TIMEOUT_MS,
          );
        } catch (_) {
          answer = null; // no answer: decide here, and sync later with the same nonce
        }
        if (answer && answer.status === 200) {
          const data = answer.data;
          await rememberPresence(data.person && data.person.registration_id, data.direction, data.result);
          showCounts(data.counts);
          showAnswer(data, false);
          if (Number($("queue").dataset.queued || 0) > 0) syncQueue();
          return;
        }
        if (answer && answer.status === 401) {
          say(t("Your sign-in has expired: sign in again."), true);
          view("sign-in");
          return;
        }
        if (answer && answer.status < 500) {
          say(answer.data && answer.data.detail ? answer.data.detail : t("The service answered %(status)s", { status: answer.status }), true);
          return;
        }
      }
      const decision = await decideOffline(subject, scan.direction, now);
      scan.result = decision.ok ? "ok" : "denied";
      if (decision.reason) scan.reason = decision.reason;
      const registrationId = decision.person ? decision.person.registration_id : null;
      await dbPut("queue", { event_id: kit.event_id, registration_id: registrationId, scan });
      await rememberPresence(registrationId, scan.direction, scan.result);
      const counts = { ...(lastCounts || kit.counts), inside: kit.inside.length, admitted: kit.admitted.length };
      showCounts(counts);
      await showQueue();
      showAnswer(
        {
          result: scan.result,
          reason: decision.reason,
          message: decision.ok ? OK_MESSAGE[scan.direction] : kit.messages[decision.reason] || MESSAGES[decision.reason],
          detail: decision.detail,
          direction: scan.direction,
          person: decision.person,
          counts,
        },
        true,
      );
    } finally {
      busy = false;
    }
  }

  function showAnswer(answer, offline) {
    const box = $("answer");
    const ok = answer.result === "ok";
    box.classList.toggle("ok", ok);
    box.classList.toggle("denied", !ok);
    box.classList.toggle("offline", offline);
    box.dataset.result = answer.result;
    box.dataset.reason = answer.reason || "";
    box.dataset.offline = offline ? "true" : "false";
    $("answer-verdict").textContent = ok ? (answer.direction === "out" ? t("✓ LEAVING") : t("✓ ADMITTED")) : t("✗ DENIED");
    // The service's texts are rules.py's English ones, the same as MESSAGES here: shown translated.
    $("answer-message").textContent = t(answer.message);
    const person = answer.person;
    $("answer-person").textContent = person
      ? [person.name + (person.full_name && person.full_name !== person.name ? ` (${person.full_name})` : ""), person.country_name, person.role]
          .filter(Boolean)
          .join(" · ")
      : "";
    const needs = person ? person.accessibility.map((n) => (n === "other" ? person.accessibility_other || t(NEEDS.other) : NEEDS[n] ? t(NEEDS[n]) : n)) : [];
    if (person && person.accessibility_other && !person.accessibility.includes("other")) needs.push(person.accessibility_other);
    $("answer-needs").textContent = needs.length ? t("Needs: %(needs)s", { needs: needs.join(t(", ")) }) : "";
    const details = [];
    if (answer.detail) details.push(answer.detail);
    if (offline) details.push(t("Decided offline on this phone; it will be sent when the network is back."));
    $("answer-details").textContent = details.join(" ");
    const counts = answer.counts;
    $("answer-counts").textContent = counts
      ? kit && kit.rules.tracks_exit
        ? t("Inside now %(inside)s · admitted %(admitted)s of %(expected)s", counts)
        : t("Admitted %(admitted)s of %(expected)s", counts)
      : "";
    box.hidden = false;
    box.focus();
    clearTimeout(answerTimer);
    answerTimer = setTimeout(closeAnswer, ok ? 3000 : 8000);
    if (navigator.vibrate) navigator.vibrate(ok ? 80 : [60, 60, 60, 60, 200]);
  }

  function closeAnswer() {
    clearTimeout(answerTimer);
    $("answer").hidden = true;
  }

  async function decodeImage(source, width, height) {
    if (detector) {
      try {
        const codes = await detector.detect(source);
        if (codes.length) return codes[0].rawValue;
      } catch (_) {
        // fall back to jsQR below
      }
    }
    if (typeof jsQR !== "function") return null;
    const canvas = $("frame");
    const scale = Math.min(1, 1280 / Math.max(width, height));
    canvas.width = Math.max(1, Math.round(width * scale));
    canvas.height = Math.max(1, Math.round(height * scale));
    const context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(source, 0, 0, canvas.width, canvas.height);
    const image = context.getImageData(0, 0, canvas.width, canvas.height);
    const code = jsQR(image.data, image.width, image.height, { inversionAttempts: "attemptBoth" });
    return code ? code.data : null;
  }

  async function scanText(text) {
    const now = Date.now();
    if (text === lastText && now - lastTextAt < 3000) return;
    lastText = text;
    lastTextAt = now;
    closeAnswer();
    await submit({ token: text });
  }

  async function scanPhoto(event) {
    const file = event.target.files && event.target.files[0];
    event.target.value = "";
    if (!file) return;
    let bitmap;
    try {
      bitmap = await createImageBitmap(file);
    } catch (_) {
      say(t("That file is not a picture this phone can read."), true);
      return;
    }
    const text = await decodeImage(bitmap, bitmap.width, bitmap.height);
    if (text === null) {
      say(t("No badge code found in the picture: try again, closer and sharper."), true);
      return;
    }
    say("");
    lastText = "";
    await scanText(text);
  }

  async function startCamera() {
    if (stream) {
      stopCamera();
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    } catch (_) {
      say(t("The camera is not available: allow it, or scan a photo instead."), true);
      return;
    }
    const video = $("video");
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    $("camera-toggle").textContent = t("Stop camera");
    tick();
  }

  function stopCamera() {
    if (stream) for (const track of stream.getTracks()) track.stop();
    stream = null;
    $("video").hidden = true;
    $("camera-toggle").textContent = t("Start camera");
  }

  async function tick() {
    if (!stream) return;
    const video = $("video");
    if (!busy && $("answer").hidden && video.readyState >= 2) {
      const text = await decodeImage(video, video.videoWidth, video.videoHeight);
      if (text) await scanText(text);
    }
    setTimeout(tick, 150);
  }

  // --- someone without a badge --------------------------------------------------------------------------

  async function lookup(event) {
    event.preventDefault();
    const query = $("lookup").value.trim();
    const list = $("lookup-results");
    list.replaceChildren();
    if (query.length < 2 || !kit) return;
    let items = null;
    if (online()) {
      try {
        const answer = await api(
          "GET",
          `/events/${kit.event_id}/checkin/lookup?checkpoint_id=${kit.checkpoint_id}&q=${encodeURIComponent(query)}`,
        );
        if (answer.ok) items = answer.data;
      } catch (_) {
        items = null;
      }
    }
    if (items === null) {
      const needle = query.toLowerCase();
      items = [];
      for (const person of Object.values(kit.people)) {
        const text = `${person.name} ${person.full_name} ${person.reference}`.toLowerCase();
        if (!text.includes(needle)) continue;
        const decision = await decideOffline({ registrationId: person.registration_id }, "in", Date.now());
        items.push({ person, may_pass: decision.ok, message: decision.ok ? OK_MESSAGE.in : MESSAGES[decision.reason] });
        if (items.length >= 20) break;
      }
    }
    if (!items.length) {
      const li = document.createElement("li");
      li.textContent = t("Nobody found.");
      list.append(li);
      return;
    }
    for (const item of items) {
      const li = document.createElement("li");
      const who = document.createElement("span");
      who.textContent = `${item.person.name} (${item.person.full_name}) · ${item.person.country} · ${item.person.reference}`;
      li.append(who);
      if (!item.may_pass) {
        const why = document.createElement("span");
        why.className = "why";
        why.textContent = t(item.message);
        li.append(why);
      }
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = t("Admit %(name)s", { name: item.person.name });
      button.addEventListener("click", () => {
        list.replaceChildren();
        $("lookup").value = "";
        submit({ registrationId: item.person.registration_id });
      });
      li.append(button);
      list.append(li);
    }
  }

  // --- syncing ------------------------------------------------------------------------------------------

  async function syncQueue() {
    if (syncing || !online()) return;
    syncing = true;
    try {
      const queued = await dbAll("queue");
      const byEvent = new Map();
      for (const item of queued) {
        if (!byEvent.has(item.event_id)) byEvent.set(item.event_id, []);
        byEvent.get(item.event_id).push(item);
      }
      for (const [eventId, items] of byEvent) {
        for (let start = 0; start < items.length; start += SYNC_BATCH) {
          const batch = items.slice(start, start + SYNC_BATCH);
          const answer = await api("POST", `/events/${eventId}/checkin/sync`, {
            device_id: state.deviceId,
            scans: batch.map((item) => item.scan),
          });
          if (!answer.ok) return;
          for (const row of answer.data.rows) {
            const item = batch[row.index];
            if (row.status === "error") await dbPut("failed", { ...item, errors: row.errors });
            await dbDelete("queue", item.scan.nonce);
          }
        }
      }
      await refreshKit();
    } catch (_) {
      // still offline: try again later
    } finally {
      syncing = false;
      await showQueue();
    }
  }

  // --- start ----------------------------------------------------------------------------------------------

  async function boot() {
    showNetwork();
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("/scan/sw.js", { scope: "/scan" }).catch(() => undefined);
    }
    if ("BarcodeDetector" in window) {
      try {
        const formats = await window.BarcodeDetector.getSupportedFormats();
        if (formats.includes("qr_code")) detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      } catch (_) {
        detector = null;
      }
    }
    save();
    await showQueue();
    if (state.checkpointId) {
      kit = (await dbGet("kits", state.checkpointId)) || null;
      indexBadges();
    }
    if (!online()) {
      if (state.user && kit) openScanner();
      else {
        view("sign-in");
        say(t("Offline: the scanner needs a network the first time."), true);
      }
      return;
    }
    let signedIn = false;
    try {
      signedIn = await whoAmI();
    } catch (_) {
      signedIn = Boolean(state.user);
    }
    if (!signedIn) {
      view("sign-in");
      return;
    }
    if (kit) {
      openScanner();
      refreshKit();
      syncQueue();
    } else {
      await setup();
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("sign-in-form").addEventListener("submit", signIn);
    $("token-form").addEventListener("submit", useToken);
    $("sign-out").addEventListener("click", signOut);
    $("event").addEventListener("change", loadCheckpoints);
    $("start").addEventListener("click", start);
    $("change").addEventListener("click", () => {
      stopCamera();
      setup();
    });
    $("sync-now").addEventListener("click", syncQueue);
    $("camera-toggle").addEventListener("click", startCamera);
    $("photo").addEventListener("change", scanPhoto);
    $("lookup-form").addEventListener("submit", lookup);
    $("answer-close").addEventListener("click", closeAnswer);
    $("answer").addEventListener("click", (event) => {
      if (event.target === $("answer")) closeAnswer();
    });
    window.addEventListener("online", () => {
      showNetwork();
      syncQueue();
    });
    window.addEventListener("offline", showNetwork);
    setInterval(() => {
      if (online()) syncQueue();
    }, 15000);
    setInterval(() => {
      if (online() && !$("scanner").hidden) refreshKit();
    }, 60000);
    boot();
  });
})();
