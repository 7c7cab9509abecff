/* Registre: checks, in the browser, the proofs a proposal's page carries.
 *
 * The page holds, in the element #preuve-donnees, the entry (the leaf) of each
 * event its trace is read from, that entry's inclusion path in the log's
 * Merkle tree (RFC 9162), the latest checkpoint (a C2SP signed note) with the
 * public key that signed it, and the earlier checkpoints with the consistency
 * proof from each one to the next. This script recomputes every leaf hash and
 * every path with SHA-256, checks each note's Ed25519 signature, all with the
 * browser's own WebCrypto, and says the result in plain French. It loads
 * nothing and sends nothing.
 */
"use strict";

(() => {
  const HASH = 32;
  const encoder = new TextEncoder();
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const subtle = window.crypto && window.crypto.subtle;

  class Failure extends Error {}
  class Unsupported extends Error {}

  // -- bytes ------------------------------------------------------------------

  function fromBase64(text) {
    let raw;
    try {
      raw = atob(text);
    } catch (e) {
      throw new Failure("une valeur n'est pas en base64");
    }
    const out = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  function hex(bytes) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  function same(a, b) {
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }

  async function sha256(bytes) {
    return new Uint8Array(await subtle.digest("SHA-256", bytes));
  }

  const LEAF = Uint8Array.of(0);
  const NODE = Uint8Array.of(1);
  const leafHash = (entry) => sha256(concat(LEAF, entry));
  // The paths of a page's events meet near the root: each interior node is
  // hashed once, and every path that reaches it with the same children shares
  // the result (keyed by the children themselves, so no path borrows another's).
  const nodes = new Map();
  const nodeHash = (left, right) => {
    const key = String.fromCharCode(...left, ...right);
    let hash = nodes.get(key);
    if (hash === undefined) {
      hash = sha256(concat(NODE, left, right));
      nodes.set(key, hash);
    }
    return hash;
  };
  const odd = (n) => n % 2 === 1;
  const half = (n) => Math.floor(n / 2);

  // -- the Merkle tree of RFC 9162 -------------------------------------------------

  /* Section 2.1.3.2: the root an inclusion path leads to, or null. */
  async function rootFromPath(leaf, index, size, path) {
    if (!(index >= 0 && index < size)) return null;
    let fn = index;
    let sn = size - 1;
    let node = leaf;
    for (const p of path) {
      if (p.length !== HASH || sn === 0) return null;
      if (odd(fn) || fn === sn) {
        node = await nodeHash(p, node);
        if (!odd(fn)) {
          while (fn !== 0 && !odd(fn)) {
            fn = half(fn);
            sn = half(sn);
          }
        }
      } else {
        node = await nodeHash(node, p);
      }
      fn = half(fn);
      sn = half(sn);
    }
    return sn === 0 ? node : null;
  }

  /* Section 2.1.4.2: whether the tree of `size2` leaves extends that of `size1`. */
  async function consistent(size1, size2, root1, root2, proof) {
    if (!(size1 >= 0 && size1 <= size2) || proof.some((p) => p.length !== HASH)) return false;
    if (size1 === size2) return proof.length === 0 && same(root1, root2);
    if (size1 === 0) return proof.length === 0;
    if (proof.length === 0) return false;
    const path = size1 & (size1 - 1) ? [...proof] : [root1, ...proof];
    let fn = size1 - 1;
    let sn = size2 - 1;
    while (odd(fn)) {
      fn = half(fn);
      sn = half(sn);
    }
    let fr = path[0];
    let sr = path[0];
    for (const c of path.slice(1)) {
      if (sn === 0) return false;
      if (odd(fn) || fn === sn) {
        fr = await nodeHash(c, fr);
        sr = await nodeHash(c, sr);
        if (!odd(fn)) {
          while (fn !== 0 && !odd(fn)) {
            fn = half(fn);
            sn = half(sn);
          }
        }
      } else {
        sr = await nodeHash(sr, c);
      }
      fn = half(fn);
      sn = half(sn);
    }
    return sn === 0 && same(fr, root1) && same(sr, root2);
  }

  // -- checkpoints: C2SP signed notes, Ed25519 ------------------------------------

  function parseNote(text) {
    const cut = typeof text === "string" ? text.lastIndexOf("\n\n") : -1;
    if (cut < 0) throw new Failure("le point de contrôle n'est pas une note signée");
    const body = text.slice(0, cut + 1);
    const lines = body.split("\n").slice(0, -1);
    if (lines.length < 3 || !/^(0|[1-9][0-9]*)$/.test(lines[1])) {
      throw new Failure("le point de contrôle n'a pas la forme d'un point de contrôle");
    }
    const root = fromBase64(lines[2]);
    if (root.length !== HASH) throw new Failure("la racine du point de contrôle n'a pas 32 octets");
    const extension = (name) => {
      const line = lines.slice(3).find((l) => l.startsWith(name + " "));
      return line === undefined ? null : line.slice(name.length + 1);
    };
    let label = extension("label");
    try {
      label = label === null ? "" : JSON.parse(label);
    } catch (e) {
      throw new Failure("le libellé du point de contrôle est illisible");
    }
    const signatures = text
      .slice(cut + 2)
      .split("\n")
      .filter((l) => l !== "")
      .map((line) => {
        const parts = line.split(" ");
        if (parts.length !== 3 || parts[0] !== "\u2014") {
          throw new Failure("une ligne de signature du point de contrôle est mal formée");
        }
        const raw = fromBase64(parts[2]);
        return { name: parts[1], keyId: raw.slice(0, 4), signature: raw.slice(4) };
      });
    return {
      body,
      origin: lines[0],
      size: Number(lines[1]),
      root,
      time: extension("time") || "",
      label,
      signatures,
    };
  }

  async function checkNote(checkpoint) {
    const note = parseNote(checkpoint.note);
    const key = fromBase64(checkpoint.public_key);
    if (key.length !== 32) throw new Failure("la clé publique du point de contrôle n'a pas 32 octets");
    note.fingerprint = hex(await sha256(key)).slice(0, 16);
    const keyId = (await sha256(concat(encoder.encode(note.origin + "\n"), Uint8Array.of(1), key)))
      .slice(0, 4);
    const line = note.signatures.find((s) => s.name === note.origin && same(s.keyId, keyId));
    const when = dateFr(note.time);
    if (!line) {
      throw new Failure(`le point de contrôle du ${when} ne porte pas de signature de la clé ${note.fingerprint}`);
    }
    let verifier;
    try {
      verifier = await subtle.importKey("raw", key, { name: "Ed25519" }, false, ["verify"]);
    } catch (e) {
      throw new Unsupported("ce navigateur ne sait pas vérifier une signature Ed25519 ; le fichier verifier.py le fait hors ligne");
    }
    const valid = await subtle.verify({ name: "Ed25519" }, verifier, line.signature, encoder.encode(note.body));
    if (!valid) {
      throw new Failure(`la signature du point de contrôle du ${when} ne correspond pas à son contenu : il a été modifié`);
    }
    return note;
  }

  function dateFr(time) {
    const date = new Date(time);
    if (Number.isNaN(date.getTime())) return time || "(sans date)";
    return date.toLocaleDateString("fr-FR", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
  }

  function plural(n, one, many) {
    return `${n.toLocaleString("fr-FR")} ${n > 1 ? many : one}`;
  }

  // -- the events of the page ---------------------------------------------------------

  async function checkEvent(event, note) {
    const found = { position: event.position, index: event.index, nature: "—", ok: false, why: "" };
    let entry;
    let leaf;
    try {
      entry = fromBase64(event.entry);
      leaf = JSON.parse(decoder.decode(entry));
    } catch (e) {
      found.why = "sa feuille est illisible";
      return found;
    }
    found.nature = String(leaf.topic || "").split(":").pop();
    if (leaf.position !== event.position) {
      found.why = `sa feuille est celle de l'inscription n° ${leaf.position}`;
      return found;
    }
    let path;
    try {
      path = event.path.map(fromBase64);
    } catch (e) {
      found.why = "son chemin d'inclusion est illisible";
      return found;
    }
    const root = await rootFromPath(await leafHash(entry), event.index, note.size, path);
    if (root === null || !same(root, note.root)) {
      found.why = "sa feuille et son chemin d'inclusion ne mènent pas à la racine signée";
      return found;
    }
    found.ok = true;
    found.payload = leaf.payload;  // read only once verified, and only if asked
    return found;
  }

  async function checkHistory(data, latest) {
    const notes = new Map([[data.checkpoint.id, latest]]);
    const steps = [];
    for (const h of data.history) notes.set(h.from.id, await checkNote(h.from));
    for (const h of data.history) {
      const from = notes.get(h.from.id);
      const to = notes.get(h.to);
      const ok = to !== undefined && (await consistent(from.size, to.size, from.root, to.root, h.proof.map(fromBase64)));
      steps.push({ from, to, ok });
    }
    return steps;
  }

  // -- what the page shows --------------------------------------------------------------

  function say(kind, text) {
    const detail = document.querySelector("details.proof-detail");
    if (detail && kind === "echec") detail.open = true;
    for (const id of ["verification", "verification-detail"]) {
      const element = document.getElementById(id);
      if (!element) continue;
      element.className = `verification ${kind}`;
      element.textContent = text;
      if (id === "verification") {
        const more = document.createElement("a");
        more.href = "#preuve";
        more.textContent = "le détail";
        element.append(" (", more, ")");
      }
    }
  }

  function cell(row, text, header) {
    const element = document.createElement(header ? "th" : "td");
    if (header) element.scope = "row";
    element.textContent = text;
    row.append(element);
    return element;
  }

  /* The event as recorded, decoded from the very bytes whose leaf was just
     verified: the readable copy is derived here, never taken on trust. */
  function readable(payload) {
    const box = document.createElement("details");
    const summary = document.createElement("summary");
    summary.textContent = "ce qu'elle dit";
    const pre = document.createElement("pre");
    box.append(summary, pre);
    box.addEventListener("toggle", () => {
      if (!box.open || pre.textContent) return;
      try {
        pre.textContent = JSON.stringify(JSON.parse(decoder.decode(fromBase64(payload))), null, 2);
      } catch (e) {
        pre.textContent = "(ce contenu n'est pas du JSON)";
      }
    });
    return box;
  }

  function showEvents(results, later) {
    const body = document.getElementById("preuve-inscriptions");
    const rows = document.createDocumentFragment();
    for (const r of results) {
      const row = document.createElement("tr");
      cell(row, `n° ${r.position}`, true);
      const nature = cell(row, r.nature);
      if (r.ok) nature.append(" ", readable(r.payload));
      cell(row, String(r.index + 1));
      cell(row, r.ok ? "Vérifiée" : `Échec : ${r.why}`).className = r.ok ? "ok" : "echec";
      rows.append(row);
    }
    for (const position of later) {
      const row = document.createElement("tr");
      cell(row, `n° ${position}`, true);
      cell(row, "—");
      cell(row, "—");
      cell(row, "Pas encore couverte par un point de contrôle signé");
      rows.append(row);
    }
    body.replaceChildren(rows);
  }

  function showCheckpoint(note, data) {
    const box = document.getElementById("preuve-point");
    const list = document.createElement("dl");
    list.className = "checkpoint";
    const rows = [
      ["Point de contrôle", `${note.origin}, ${dateFr(note.time)}${note.label ? ` (« ${note.label} »)` : ""}`],
      ["Inscriptions couvertes", note.size.toLocaleString("fr-FR")],
      ["Racine de l'arbre d'empreintes", hex(note.root)],
      ["Empreinte de la clé qui l'a signé", note.fingerprint],
    ];
    for (const [term, value] of rows) {
      const dt = document.createElement("dt");
      dt.textContent = term;
      const dd = document.createElement("dd");
      dd.textContent = value;
      list.append(dt, dd);
    }
    const pre = document.createElement("pre");
    pre.textContent = data.checkpoint.note;
    box.replaceChildren(list, pre);
  }

  function showHistory(steps) {
    const box = document.getElementById("preuve-historique");
    if (steps.length === 0) return;
    const title = document.createElement("p");
    title.textContent = "Chaque point de contrôle prolonge le précédent (preuve de cohérence) :";
    const list = document.createElement("ul");
    for (const s of steps) {
      const item = document.createElement("li");
      const to = s.to ? `celui du ${dateFr(s.to.time)} (${plural(s.to.size, "inscription", "inscriptions")})` : "un point de contrôle absent";
      item.textContent = `${s.ok ? "Vérifié" : "Échec"} : le point de contrôle du ${dateFr(s.from.time)} (${plural(s.from.size, "inscription", "inscriptions")}) ${s.ok ? "est prolongé par" : "n'est pas prolongé par"} ${to}.`;
      item.className = s.ok ? "ok" : "echec";
      list.append(item);
    }
    box.replaceChildren(title, list);
  }

  async function run() {
    const data = JSON.parse(document.getElementById("preuve-donnees").textContent);
    if (!subtle) {
      throw new Unsupported("ce navigateur ne donne pas à cette page ses fonctions cryptographiques ; le fichier verifier.py vérifie les mêmes preuves hors ligne");
    }
    const note = await checkNote(data.checkpoint);
    showCheckpoint(note, data);
    const results = await Promise.all(data.events.map((e) => checkEvent(e, note)));
    const history = await checkHistory(data, note);
    showEvents(results, data.not_covered);
    showHistory(history);
    const failed = results.filter((r) => !r.ok);
    const broken = history.filter((s) => !s.ok);
    if (failed.length > 0) {
      const first = failed[0];
      const others = failed.length > 1 ? ` (et ${plural(failed.length - 1, "autre", "autres")})` : "";
      say("echec", `Échec : l'inscription n° ${first.position} ne correspond pas au journal signé : ${first.why}${others}.`);
      return;
    }
    if (broken.length > 0) {
      const b = broken[0];
      say("echec", `Échec : le point de contrôle du ${dateFr(b.from.time)} n'est pas prolongé par le suivant : le journal a été réécrit entre eux.`);
      return;
    }
    if (results.length === 0) {
      say("attente", "Aucune inscription de cette page n'est encore couverte par un point de contrôle signé : elles le seront au prochain.");
      return;
    }
    const later = data.not_covered.length
      ? ` ; ${plural(data.not_covered.length, "inscription plus récente attend", "inscriptions plus récentes attendent")} le prochain point de contrôle`
      : "";
    const chain = history.length
      ? `, qui prolonge ${history.length > 1 ? `les ${history.length} points de contrôle précédents` : "le point de contrôle précédent"}`
      : "";
    say(
      "ok",
      `Vérifié : ${results.length > 1 ? `les ${plural(results.length, "inscription", "inscriptions")} de cette page sont` : `${plural(results.length, "inscription", "inscriptions")} de cette page est`} dans le journal de ${plural(note.size, "inscription", "inscriptions")} signé le ${dateFr(note.time)} par la clé ${note.fingerprint}${chain}${later}.`,
    );
  }

  run().catch((error) => {
    if (error instanceof Unsupported) say("impossible", `Vérification impossible : ${error.message}.`);
    else if (error instanceof Failure) say("echec", `Échec : ${error.message}.`);
    else say("echec", "Échec : les preuves de cette page sont illisibles.");
  });
})();
