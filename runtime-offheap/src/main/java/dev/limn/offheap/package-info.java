/**
 * Limn's off-heap memory: everything a task's execution state and its shared atomics keep
 * outside the Java heap.
 *
 * <h2>Concepts</h2>
 * <ul>
 *   <li>{@link dev.limn.offheap.SlabAllocator}: fixed-size blocks carved from large slabs of
 *       one shared arena; per-thread caches over a lock-free shared free stack; exact
 *       live/peak statistics ({@link dev.limn.offheap.SlabStats}); a debug mode
 *       ({@code -Dlimn.slab.debug=true}) that turns double free and use after free into
 *       exceptions.</li>
 *   <li>{@link dev.limn.offheap.RegisterFile}: the layout of a register file inside a block
 *       (tag + 8-byte payload per register; references live in an on-heap shadow array with
 *       the same indices) and its plain accessors.</li>
 *   <li>{@link dev.limn.offheap.AtomicCell} / {@link dev.limn.offheap.AtomicCellPool}: Limn
 *       {@code atomic} variables, one 8-byte value per 64-byte cache line, reference-counted
 *       by the scopes and tasks that hold them.</li>
 *   <li>{@link dev.limn.offheap.CheckedMode}: the checked VM mode
 *       ({@code -Dlimn.vm.checked=true}), one flag for the whole runtime: it turns on the slab
 *       debug mode here, and the VM checks every register access against its frame.</li>
 * </ul>
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>A block has at most one owner: the free stack's head carries a stamp against ABA,
 *       and caches are touched only by their thread (jcstress-checked in runtime-stress).</li>
 *   <li>Misuse never crashes the JVM: a foreign block is an {@code IllegalArgumentException};
 *       use after close or after free (debug mode) is an {@code IllegalStateException},
 *       because every segment's scope is checked by the FFM API.</li>
 *   <li>At program end every live count is zero.</li>
 * </ul>
 *
 * <h2>Memory ordering and padding</h2>
 * Register files are accessed plain (lp/sp): one task owns them and the scheduler's queues
 * order hand-overs between carriers. Atomic cells use acquire loads (lv), release stores
 * (so) and volatile read-modify-writes (xadd, cas, xchg). Padding is off-heap only: each
 * cell owns a 64-byte line; on-heap counters are not padded.
 */
package dev.limn.offheap;
