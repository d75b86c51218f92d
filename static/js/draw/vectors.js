// draw-vectors.md D1–D4 in this browser. The test passes the spec's own vectors block
// (parsed in Python from the spec file) to window.runDrawVectors and reads #results.
import {candidatesHash, candidatesOf, commit, draw, excludedHash, manifest, poolSnapshotHash, rejectionThreshold,
  rulesHash, seed} from "./draw.js";
import {dumps} from "../seal/cj.js";
import {fromHex, toHex} from "../seal/hex.js";

const list = (text) => text.split(",").map((s) => s.trim());
const out = document.getElementById("results");

async function one(name, v) {
  const secret = fromHex(v.secret, 32, "secret");
  const [k, m] = list(v["k, m"]).map(Number);
  const ids = v.ids;
  const checks = [];
  checks.push([`${name} commit`, await commit(secret) === v.commit]);
  checks.push([`${name} candidates_hash`, await candidatesHash(ids) === v.candidates_hash]);
  const s = await seed({secret, drawId: v.draw_id, candidatesHash: v.candidates_hash, anchor: v.anchor, witness: v.witness});
  checks.push([`${name} seed`, toHex(s) === v.seed]);
  const result = await draw({secret, drawId: v.draw_id, candidates: ids, anchor: v.anchor, witness: v.witness, k, m});
  checks.push([`${name} uniforms`, result.uniforms.join(", ") === v.uniforms]);
  checks.push([`${name} drawn, backups`, result.drawn.join(", ") === v.drawn && result.backups.join(", ") === v.backups]);
  checks.push([`${name} result`, result.result === v.result]);
  const shuffled = [...ids].reverse();
  const again = await draw({secret, drawId: v.draw_id, candidates: shuffled, anchor: v.anchor, witness: v.witness, k, m});
  checks.push([`${name} any input order`, again.result === v.result]);
  const more = await draw({secret, drawId: v.draw_id, candidates: ids, anchor: v.anchor, witness: v.witness, k, m: m + 3});
  checks.push([`${name} more backups keep the first picks`,
    [...more.drawn, ...more.backups].slice(0, k + m).join() === [...result.drawn, ...result.backups].join()]);
  return checks;
}

async function d3(v) {
  const criteria = JSON.parse(v.criteria);
  const rules = JSON.parse(v.rules);
  const pool = JSON.parse(v["pool snapshot"]);
  const rows = manifest(pool, rules);
  return [
    ["D3 rules_hash", await rulesHash(criteria, rules) === v.rules_hash],
    ["D3 pool_snapshot_hash", await poolSnapshotHash(pool) === v.pool_snapshot_hash],
    ["D3 manifest", new TextDecoder().decode(dumps(rows)) === v.manifest],
    ["D3 excluded_hash", await excludedHash(rows) === v.excluded_hash],
    ["D3 candidates", candidatesOf(pool, rows).join(", ") === v.candidates],
    ["D3 candidates_hash", await candidatesHash(candidatesOf(pool, rows)) === v.candidates_hash],
  ];
}

function d4(v) {
  return Object.entries(v).map(([key, value]) => {
    const n = BigInt(key.replace("n = ", ""));
    const [, t, keep] = value.match(/^t = (\d+), keep x <= (\d+)$/);
    return [`D4 n = ${n}`, rejectionThreshold(n) === BigInt(t) && 2n ** 64n - 1n - BigInt(t) === BigInt(keep)];
  });
}

window.runDrawVectors = async (vectors) => {
  const checks = [...await one("D1", vectors.D1), ...await one("D2", vectors.D2), ...await d3(vectors.D3), ...d4(vectors.D4)];
  const failed = checks.filter(([, ok]) => !ok).length;
  out.textContent = checks.map(([what, ok]) => `${ok ? "ok" : "FAIL"} ${what}`).join("\n")
    + `\n${failed ? `${failed} FAILED` : "ALL OK"}`;
  out.dataset.state = "done";
  return out.textContent;
};
