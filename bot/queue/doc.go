// Package queue is the durable inbound path of deliverybot on Redis: deduplicated
// acceptance of channel messages, a replay guard for callbacks, a Redis Streams
// work queue with strict per-user order, an outbox that keeps replies from being
// sent twice, and a per-user send pacer shared by all replicas.
//
// # Accept
//
// Queue.Accept runs one Lua script that checks the dedupe key, appends the message
// to its partition stream (XADD, bounded) and only then sets the dedupe key with a
// TTL (24 h by default, far beyond WeCom's retries). A script runs atomically, so a
// crash cannot separate the two writes; if XADD fails the script aborts before the
// dedupe mark is written, so the sender's retry is accepted. Both keys carry the
// partition's hash tag, so the script works on Redis Cluster. When a partition
// holds MaxLen entries Accept refuses with ErrQueueFull (the caller answers 503 and
// WeCom retries) rather than trimming messages nobody has processed.
//
// # Per-user order
//
// Users are hashed (FNV-1a) into Partitions streams. A partition is served by
// exactly one worker at a time: the holder of its lease key (SET NX PX, renewed in
// the background, released on graceful stop). The holder handles one entry at a
// time in stream order and acknowledges it (XACK + XDEL) before taking the next, so
// one user's messages can never overtake each other, while different partitions
// run in parallel, in one pool or across replicas. Pools register themselves and
// hold at most their fair share of partitions, so two replicas split the work.
// The price is head-of-line blocking: users that hash to the same partition wait
// for each other, so raise Partitions when many users talk at once to slow
// handlers (an LLM call).
//
// Reads and claims run in one Lua script that first checks the lease, so a
// worker that has lost its partition cannot take anything more from it. Before
// reading new entries (XREADGROUP ">") the holder looks at the earliest
// pending entry of the consumer group. If it belongs to another consumer that has
// been idle for less than IdleTimeout, the holder waits: that worker may be a pool
// that just lost its lease and is still finishing. Once the entry is idle long
// enough it is claimed and processed first, so the dead worker's message is redone
// before any later message of the partition. (It is claimed by ID with XCLAIM:
// XAUTOCLAIM scans past entries that are not idle yet and could hand out a later
// one first.) A pool that stops
// gracefully marks its unfinished entries idle so the next holder takes them at
// once; a crashed pool's entries wait for the idle timeout.
//
// Processing is at-least-once: a message can run again after a crash. Replies are
// made exactly-once-or-less by Outbox.SendOnce, keyed by message ID and reply
// index. A message that keeps failing is retried MaxAttempts times in place
// (blocking its partition, which keeps order) and then moved to the partition's
// dead-letter stream (bounded at about 10000 per partition, with the reason);
// one that crashed workers MaxDeliveries times likewise. Queue.DeadLetters counts
// them.
//
// Stats reports queue depth (entries not yet acknowledged, including in-flight) and
// the age of the oldest one, for metrics.
package queue
