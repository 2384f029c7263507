package dev.limn.offheap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Fixed-size off-heap blocks carved from large slabs of one shared {@link Arena}, for task
 * contexts, register files and atomic cells.
 *
 * <pre>
 *  slab s (blocksPerSlab * blockBytes bytes, 64-byte aligned):
 *  +-----------+-----------+-----------+-- ... --+-----------+
 *  |  block 0  |  block 1  |  block 2  |         |  block n-1|
 *  +-----------+-----------+-----------+-- ... --+-----------+
 *  global block index = s * blocksPerSlab + local index
 * </pre>
 *
 * <h2>Design</h2>
 * Every block is sliced once, when its slab is reserved, into a {@link MemorySegment} that
 * is handed out again on every reuse: allocate and free create no objects. Free blocks live
 * in two places:
 * <ul>
 *   <li>a per-thread cache (a stack of up to {@value #CACHE_CAPACITY} block indices, found by
 *       thread id in a table of {@value #CACHE_SLOTS} slots): allocate
 *       and free on a carrier thread touch only that thread's cache, so a task context freed
 *       and reallocated on the same carrier costs no atomic on the free list;</li>
 *   <li>a shared lock-free stack (Treiber stack of block indices with a 32-bit stamp in the
 *       head against ABA), which caches refill from and spill to in batches of
 *       {@value #CACHE_BATCH}, and which virtual threads use directly (a cache per virtual
 *       thread would strand blocks in thousands of short-lived caches), as do platform
 *       threads whose slot another live thread holds.</li>
 * </ul>
 * When both are empty the allocator reclaims the caches of threads that have ended and,
 * failing that, reserves one more slab. Slabs are only returned by {@link #close()}.
 *
 * <h2>Statistics</h2>
 * Each thread cache counts its own allocations and frees (plain stores by the owner, opaque
 * so readers see whole values); {@link #stats()} sums them. A shared atomic counter was
 * measured first: 27.6 ns per uncontended allocate+free pair and 102 ns with two threads,
 * against 11 and 27 ns now (docs/design.md). The live count is therefore exact whenever no
 * allocate or free is in flight (a sum taken during activity may be off by the operations in
 * flight). The peak is the highest live count seen at sampling points: every
 * {@link #stats()} call, every cache refill and spill, every slab growth, and every
 * allocation on the shared path (virtual threads, debug mode). A burst that rises and falls
 * within one thread's cache between two samples can be missed; the reserved bytes are the
 * exact memory bound.
 *
 * <h2>Misuse</h2>
 * Freeing a segment this allocator did not hand out (another allocator's block, a slice, a
 * copy with the same address) throws {@link IllegalArgumentException}; any call after
 * {@link #close()} throws {@link IllegalStateException}, and so does any access to a block
 * after close (the arena is gone). With {@code -Dlimn.slab.debug=true} (or the checked VM
 * mode, {@link CheckedMode}) every allocation
 * hands out a fresh view of its block bound to its own arena, which free closes: a double
 * free throws {@link IllegalStateException} naming it, and any later read or write through
 * the freed view throws {@link IllegalStateException} instead of touching reused memory.
 * Freed blocks are also poisoned with {@value #POISON_BYTE}. Without debug mode a double
 * free is not detected (it would cost a per-block state word on the fast path).
 *
 * <p>Block contents are unspecified when allocated: the owner initialises what it reads.
 */
public final class SlabAllocator implements AutoCloseable {
    /**
     * Read once: the JIT folds the debug branches away when it is off. The checked VM mode
     * ({@link CheckedMode}) turns it on too.
     */
    static final boolean DEBUG = Boolean.getBoolean("limn.slab.debug") || CheckedMode.ENABLED;

    static final int CACHE_CAPACITY = 64;
    static final int CACHE_BATCH = 32;
    static final int CACHE_SLOTS = 256;
    static final byte POISON_BYTE = (byte) 0xDB;
    private static final long SLAB_ALIGNMENT = 64;

    private static final VarHandle FREE_HEAD;
    private static final VarHandle SHARED_NET;
    private static final VarHandle PEAK;
    private static final VarHandle CACHE_ALLOCS;
    private static final VarHandle CACHE_FREES;
    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            FREE_HEAD = lookup.findVarHandle(SlabAllocator.class, "freeHead", long.class);
            SHARED_NET = lookup.findVarHandle(SlabAllocator.class, "sharedNet", long.class);
            PEAK = lookup.findVarHandle(SlabAllocator.class, "peak", long.class);
            CACHE_ALLOCS = lookup.findVarHandle(ThreadCache.class, "allocs", long.class);
            CACHE_FREES = lookup.findVarHandle(ThreadCache.class, "frees", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int blockBytes;
    /** The requested blocks per slab rounded up to a power of two: index math is shifts. */
    private final int blocksPerSlab;
    private final int slabShift;
    private final int slabMask;
    /** log2(blockBytes) when it is a power of two, else -1: free divides on every call. */
    private final int blockShift;
    private final long slabBytes;
    private final Arena arena = Arena.ofShared();
    /**
     * Thread caches by {@code threadId() % CACHE_SLOTS}: one array load and an owner check
     * instead of a ThreadLocal lookup (measured: a fifth of an allocate+free pair). A thread
     * whose slot belongs to another live thread uses the shared stack. Elements are written
     * under {@link #growLock}; a stale read only sends a thread to {@link #claimCache}.
     */
    private final ThreadCache[] cacheSlots = new ThreadCache[CACHE_SLOTS];

    /** Grows only, replaced as a whole under {@link #growLock}. */
    private volatile Slab[] slabs = new Slab[0];
    private final Object growLock = new Object();

    /** Shared free stack head: {@code stamp << 32 | (index + 1)}; low word 0 means empty. */
    private volatile long freeHead;
    /**
     * Allocations minus frees not counted by a live thread cache: those of virtual threads
     * and of debug mode, plus the counts of reclaimed caches of ended threads.
     */
    private volatile long sharedNet;
    private volatile long peak;
    private volatile boolean closed;

    /**
     * @param blockBytes    size of every block, a positive multiple of 8; a power of two
     *                      makes free cheaper
     * @param blocksPerSlab blocks reserved at once when the allocator grows, rounded up to a
     *                      power of two
     */
    public SlabAllocator(int blockBytes, int blocksPerSlab) {
        if (blockBytes <= 0 || blockBytes % 8 != 0) {
            throw new IllegalArgumentException("block size must be a positive multiple of 8 bytes, got " + blockBytes);
        }
        if (blocksPerSlab <= 0) {
            throw new IllegalArgumentException("blocks per slab must be positive, got " + blocksPerSlab);
        }
        int rounded = blocksPerSlab > 1 << 30 ? -1 : Integer.highestOneBit(blocksPerSlab - 1) << 1;
        if (blocksPerSlab == 1) {
            rounded = 1;
        }
        if (rounded < 0 || (long) blockBytes * rounded > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a slab must stay under 2 GiB: " + blockBytes + " x " + blocksPerSlab);
        }
        this.blockBytes = blockBytes;
        this.blocksPerSlab = rounded;
        this.slabShift = Integer.numberOfTrailingZeros(this.blocksPerSlab);
        this.slabMask = this.blocksPerSlab - 1;
        this.blockShift = Integer.bitCount(blockBytes) == 1 ? Integer.numberOfTrailingZeros(blockBytes) : -1;
        this.slabBytes = (long) blockBytes * this.blocksPerSlab;
    }

    /** Whether this JVM runs with {@code -Dlimn.slab.debug=true} or {@code -Dlimn.vm.checked=true}. */
    public static boolean debugMode() {
        return DEBUG;
    }

    public int blockBytes() {
        return blockBytes;
    }

    /**
     * A block of {@link #blockBytes()} bytes owned by the caller until {@link #free}. Creates
     * no objects (outside debug mode and slab growth).
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public MemorySegment allocate() {
        if (closed) {
            throw closedError("allocate");
        }
        ThreadCache cache = DEBUG ? null : cache();
        if (cache == null) {
            return allocateShared();
        }
        MemorySegment block;
        int size = cache.size;
        if (size > 0) {
            block = blockAt(cache.blocks[--size]);
            cache.size = size;
        } else {
            block = refill(cache);
        }
        CACHE_ALLOCS.setOpaque(cache, cache.allocs + 1);
        return block;
    }

    /**
     * Returns {@code block} to this allocator; the caller must not touch it again.
     *
     * @throws IllegalArgumentException if this allocator did not hand out {@code block}
     * @throws IllegalStateException    after {@link #close()}; in debug mode, on a double free
     */
    public void free(MemorySegment block) {
        if (closed) {
            throw closedError("free");
        }
        if (DEBUG) {
            freeDebug(block);
            SHARED_NET.getAndAdd(this, -1L);
            return;
        }
        int index = indexOf(block);
        ThreadCache cache = cache();
        if (cache == null) {
            pushShared(index, index);
            SHARED_NET.getAndAdd(this, -1L);
            return;
        }
        int size = cache.size;
        if (size == CACHE_CAPACITY) {
            spill(cache);
            size = cache.size;
        }
        cache.blocks[size] = index;
        cache.size = size + 1;
        CACHE_FREES.setOpaque(cache, cache.frees + 1);
    }

    /** Allocation without a thread cache: virtual threads, slot collisions, debug mode. */
    private MemorySegment allocateShared() {
        MemorySegment block = DEBUG ? allocateDebug() : blockAt(popShared());
        SHARED_NET.getAndAdd(this, 1L);
        samplePeak();
        return block;
    }

    /**
     * A snapshot of the counters, readable from any thread at any time, also after close.
     * Live and peak are exact once no allocate or free is in flight.
     */
    public SlabStats stats() {
        long live = samplePeak();
        return new SlabStats(live, peak, slabs.length * slabBytes);
    }

    /** Sums the live count, raises the peak to it and returns it. */
    private long samplePeak() {
        long live = sharedNet;
        synchronized (growLock) {
            for (ThreadCache cache : cacheSlots) {
                if (cache != null) {
                    live += (long) CACHE_ALLOCS.getOpaque(cache) - (long) CACHE_FREES.getOpaque(cache);
                }
            }
        }
        // A sum taken during activity can dip below 0 (a free counted before its allocate).
        live = Math.max(live, 0);
        long seen = peak;
        while (live > seen && !PEAK.compareAndSet(this, seen, live)) {
            seen = peak;
        }
        return live;
    }

    /**
     * Releases every slab. Blocks still held become inaccessible: touching one throws
     * {@link IllegalStateException}. Closing twice is harmless.
     */
    @Override
    public void close() {
        synchronized (growLock) {
            if (closed) {
                return;
            }
            closed = true;
            if (DEBUG) {
                for (Slab slab : slabs) {
                    for (int i = 0; i < blocksPerSlab; i++) {
                        DebugLease lease = slab.leases.getAndSet(i, null);
                        if (lease != null) {
                            lease.closeQuietly();
                        }
                    }
                }
            }
            arena.close();
        }
    }

    public boolean isClosed() {
        return closed;
    }

    // ---------------------------------------------------------------- thread caches

    /** Free blocks parked on one platform thread; touched only by its owner while it lives. */
    private static final class ThreadCache {
        final Thread owner;
        /** Global block indices, not segments: int stores need no GC write barrier. */
        final int[] blocks = new int[CACHE_CAPACITY];
        int size;
        /** Written by the owner only (opaque), summed by stats(). */
        long allocs;
        long frees;

        ThreadCache(Thread owner) {
            this.owner = owner;
        }
    }

    /** This platform thread's cache, or null: virtual thread, or its slot is taken. */
    private ThreadCache cache() {
        Thread thread = Thread.currentThread();
        ThreadCache cache = cacheSlots[(int) thread.threadId() & (CACHE_SLOTS - 1)];
        if (cache != null && cache.owner == thread) {
            return cache;
        }
        if (thread.isVirtual() || cache != null && cache.owner.isAlive()) {
            return null; // checked without the lock: a colliding thread must not lock per call
        }
        return claimCache(thread);
    }

    /** Installs a cache for {@code thread} if its slot is free or its owner has ended. */
    private ThreadCache claimCache(Thread thread) {
        synchronized (growLock) {
            int slot = (int) thread.threadId() & (CACHE_SLOTS - 1);
            ThreadCache cache = cacheSlots[slot];
            if (cache != null && cache.owner == thread) {
                return cache;
            }
            if (cache != null && cache.owner.isAlive()) {
                return null;
            }
            if (cache != null) {
                retire(cache);
            }
            cache = new ThreadCache(thread);
            cacheSlots[slot] = cache;
            return cache;
        }
    }

    /** Takes a batch from the shared stack into an empty cache and returns one block of it. */
    private MemorySegment refill(ThreadCache cache) {
        int first = popShared();
        int size = 0;
        for (int i = 1; i < CACHE_BATCH; i++) {
            int index = tryPopShared();
            if (index < 0) {
                break;
            }
            cache.blocks[size++] = index;
        }
        cache.size = size;
        samplePeak();
        return blockAt(first);
    }

    /** Moves the older half of a full cache to the shared stack in one CAS. */
    private void spill(ThreadCache cache) {
        int[] blocks = cache.blocks;
        int first = -1;
        int previous = -1;
        for (int i = 0; i < CACHE_BATCH; i++) {
            int index = blocks[i];
            if (previous < 0) {
                first = index;
            } else {
                setNext(previous, index);
            }
            previous = index;
        }
        pushShared(first, previous);
        int remaining = CACHE_CAPACITY - CACHE_BATCH;
        System.arraycopy(blocks, CACHE_BATCH, blocks, 0, remaining);
        cache.size = remaining;
        samplePeak();
    }

    // ---------------------------------------------------------------- shared free stack

    /** Pops a free block index, reclaiming dead threads' caches or growing when empty. */
    private int popShared() {
        while (true) {
            int index = tryPopShared();
            if (index >= 0) {
                return index;
            }
            growOrReclaim();
        }
    }

    private int tryPopShared() {
        while (true) {
            long head = (long) FREE_HEAD.getAcquire(this);
            int top = (int) head - 1;
            if (top < 0) {
                return -1;
            }
            // A stale next (top popped and pushed again meanwhile) fails the stamped CAS.
            int next = nextOf(top);
            long stamp = (head >>> 32) + 1;
            if (FREE_HEAD.compareAndSet(this, head, stamp << 32 | (next + 1L))) {
                return top;
            }
            Thread.onSpinWait();
        }
    }

    /** Pushes the chain first..last (already linked through next) onto the shared stack. */
    private void pushShared(int first, int last) {
        while (true) {
            long head = (long) FREE_HEAD.getAcquire(this);
            setNext(last, (int) head - 1);
            long stamp = (head >>> 32) + 1;
            if (FREE_HEAD.compareAndSet(this, head, stamp << 32 | (first + 1L))) {
                return;
            }
            Thread.onSpinWait();
        }
    }

    private void growOrReclaim() {
        synchronized (growLock) {
            if (closed) {
                throw closedError("allocate");
            }
            if ((int) freeHead != 0) {
                return; // another thread refilled the stack while we waited
            }
            if (reclaimDeadCaches()) {
                return;
            }
            Slab[] old = slabs;
            if ((long) (old.length + 1) * blocksPerSlab > Integer.MAX_VALUE) {
                throw new IllegalStateException("slab allocator out of block indices after " + old.length + " slabs");
            }
            MemorySegment memory = arena.allocate(slabBytes, SLAB_ALIGNMENT);
            Slab slab = new Slab(memory.address(), old.length * blocksPerSlab, blocksPerSlab);
            for (int i = 0; i < blocksPerSlab; i++) {
                slab.blocks[i] = memory.asSlice((long) i * blockBytes, blockBytes);
                slab.next[i] = i + 1 < blocksPerSlab ? slab.firstIndex + i + 1 : -1;
            }
            Slab[] grown = Arrays.copyOf(old, old.length + 1);
            grown[old.length] = slab;
            slabs = grown;
            pushShared(slab.firstIndex, slab.firstIndex + blocksPerSlab - 1);
        }
    }

    /** Returns the cached blocks of ended threads to the shared stack; under growLock. */
    private boolean reclaimDeadCaches() {
        boolean reclaimed = false;
        for (int slot = 0; slot < CACHE_SLOTS; slot++) {
            ThreadCache cache = cacheSlots[slot];
            if (cache != null && !cache.owner.isAlive()) {
                cacheSlots[slot] = null;
                reclaimed |= retire(cache);
            }
        }
        return reclaimed;
    }

    /** Empties the cache of an ended thread into the shared stack; under growLock. */
    private boolean retire(ThreadCache cache) {
        // The owner has terminated: its last writes happen-before isAlive() returned false.
        SHARED_NET.getAndAdd(this, cache.allocs - cache.frees);
        int size = cache.size;
        for (int i = 0; i < size; i++) {
            int index = cache.blocks[i];
            pushShared(index, index);
        }
        cache.size = 0;
        return size > 0;
    }

    // ---------------------------------------------------------------- block indices

    /** One reserved slab: its base address, its pre-sliced blocks and the free-list links. */
    private static final class Slab {
        final long base;
        final int firstIndex;
        final MemorySegment[] blocks;
        /** Next free global index per block (-1 ends the list); valid only while free. */
        final int[] next;
        /** Debug mode only: the lease of each allocated block, null while free. */
        final AtomicReferenceArray<DebugLease> leases;

        Slab(long base, int firstIndex, int blocks) {
            this.base = base;
            this.firstIndex = firstIndex;
            this.blocks = new MemorySegment[blocks];
            this.next = new int[blocks];
            this.leases = DEBUG ? new AtomicReferenceArray<>(blocks) : null;
        }
    }

    private MemorySegment blockAt(int index) {
        return slabs[index >>> slabShift].blocks[index & slabMask];
    }

    private int nextOf(int index) {
        return slabs[index >>> slabShift].next[index & slabMask];
    }

    private void setNext(int index, int next) {
        slabs[index >>> slabShift].next[index & slabMask] = next;
    }

    /** The slab holding {@code address}, or null. */
    private Slab slabOf(long address) {
        for (Slab slab : slabs) {
            long offset = address - slab.base;
            if (offset >= 0 && offset < slabBytes) {
                return slab;
            }
        }
        return null;
    }

    /** The global index of a block this allocator handed out (the very segment object). */
    private int indexOf(MemorySegment block) {
        if (block.isNative()) {
            Slab slab = slabOf(block.address());
            if (slab != null) {
                // A slab is < 2 GiB: 32-bit arithmetic, and a shift for power-of-two blocks
                // (a 64-bit division cost more than the rest of free together).
                int offset = (int) (block.address() - slab.base);
                int local = blockShift >= 0 ? offset >>> blockShift : offset / blockBytes;
                if (slab.blocks[local] == block) {
                    return slab.firstIndex + local;
                }
            }
        }
        throw foreignBlock(block);
    }

    // ---------------------------------------------------------------- debug mode

    /** The view of a block handed out in debug mode and the arena its validity hangs on. */
    private record DebugLease(MemorySegment view, Arena arena) {
        void closeQuietly() {
            try {
                arena.close();
            } catch (IllegalStateException alreadyClosed) {
                // closed concurrently by close() and a racing allocate: either is fine
            }
        }
    }

    private MemorySegment allocateDebug() {
        int index = popShared();
        Slab slab = slabs[index >>> slabShift];
        int local = index & slabMask;
        Arena leaseArena = Arena.ofShared();
        MemorySegment view = slab.blocks[local].reinterpret(leaseArena, null);
        DebugLease lease = new DebugLease(view, leaseArena);
        if (!slab.leases.compareAndSet(local, null, lease)) {
            leaseArena.close();
            throw new IllegalStateException("slab block " + index + " handed to two owners: the free list is corrupt");
        }
        // Re-check after publishing the lease: close() either sees the lease or we see closed.
        if (closed) {
            lease.closeQuietly();
            throw closedError("allocate");
        }
        return view;
    }

    private void freeDebug(MemorySegment view) {
        Slab slab = view.isNative() ? slabOf(view.address()) : null;
        long offset = slab == null ? -1 : view.address() - slab.base;
        if (slab == null || offset % blockBytes != 0 || view.byteSize() != blockBytes) {
            throw foreignBlock(view);
        }
        int local = (int) (offset / blockBytes);
        DebugLease lease = slab.leases.get(local);
        if (lease == null || lease.view != view) {
            if (!view.scope().isAlive()) {
                throw new IllegalStateException("double free of slab block at 0x" + Long.toHexString(view.address())
                        + ": it was already freed");
            }
            throw foreignBlock(view);
        }
        if (!slab.leases.compareAndSet(local, lease, null)) {
            throw new IllegalStateException("double free of slab block at 0x" + Long.toHexString(view.address())
                    + ": freed concurrently by two threads");
        }
        slab.blocks[local].fill(POISON_BYTE);
        lease.closeQuietly();
        int index = slab.firstIndex + local;
        pushShared(index, index);
    }

    // ---------------------------------------------------------------- errors and counters

    private IllegalStateException closedError(String operation) {
        return new IllegalStateException("cannot " + operation + " a slab block: the allocator is closed");
    }

    private IllegalArgumentException foreignBlock(MemorySegment block) {
        return new IllegalArgumentException("not a block of this slab allocator (" + blockBytes + "-byte blocks): "
                + block);
    }
}
