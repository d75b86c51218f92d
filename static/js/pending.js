// Sealed envelopes waiting to be uploaded, kept in this browser's IndexedDB so an upload
// survives a reload or a closed tab: only ciphertext and public values are stored here, the
// keys were wiped when sealing ended.

const DB = "sunbid-pending";
const STORE = "envelopes";

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, {keyPath: "id"});
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run(mode, action) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(STORE, mode);
    const request = action(transaction.objectStore(STORE));
    transaction.oncomplete = () => { db.close(); resolve(request.result); };
    transaction.onerror = () => { db.close(); reject(transaction.error); };
  });
}

/** {id: "<listing>:<bid_id>:<kind>", kind, envelope: Blob, header, headerSig, sealer, token} */
export const putPending = (record) => run("readwrite", (store) => store.put(record));
export const dropPending = (id) => run("readwrite", (store) => store.delete(id));
export const allPending = () => run("readonly", (store) => store.getAll());
