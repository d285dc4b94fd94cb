import { PGlite } from '@electric-sql/pglite';
let t=Date.now();
const db = new PGlite();
await db.waitReady; console.log('init ms', Date.now()-t);
t=Date.now();
console.log((await db.query('select version()')).rows);
const blob = await db.dumpDataDir('none'); console.log('dump', Date.now()-t, blob.size);
t=Date.now();
const db2 = new PGlite({ loadDataDir: blob }); await db2.waitReady; console.log('load ms', Date.now()-t);
