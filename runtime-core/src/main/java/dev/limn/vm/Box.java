package dev.limn.vm;

/**
 * The heap cell of a local variable captured by a closure: the enclosing frame's register
 * holds the box, every closure that captured it holds the same box, so all of them see
 * every write (capture by reference). A box is only touched by its task's thread.
 */
public final class Box {
    byte tag = Tag.NIL;
    long payload;
    Object ref;

    public Object get() {
        return Values.box(tag, payload, ref);
    }
}
