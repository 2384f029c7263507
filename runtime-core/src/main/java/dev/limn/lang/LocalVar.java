package dev.limn.lang;

/**
 * A variable as the {@link Resolver} found it: where it was declared, which function owns
 * it, whether a closure captures it (then it lives in a box), its type annotation. The
 * {@link Compiler} fills in its register.
 */
final class LocalVar {
    enum Kind { PLAIN, FN, PARAM, LOOP, BINDER }

    final String name;
    final Kind kind;
    final Object fn;
    final int typeCode;
    boolean captured;
    /** Declared {@code var x: atomic}: the variable holds an atomic cell; reading it loads the cell. */
    boolean atomic;
    /** Captured by a function (not only by task or worker bodies): it may outlive its scope. */
    boolean capturedByFn;
    /** The task or worker statement whose body declared it, or null outside every unit body. */
    Object unit;
    /** The line of its declaration (0 when the declaration has no place, e.g. a block's ch name). */
    int line;
    /**
     * The target of an assignment somewhere in the program. A function declaration's variable
     * that is not holds its own closure for as long as that closure runs, which the compiled
     * tier relies on for self calls ({@code Proto.selfUpval}).
     */
    boolean assigned;
    /** The function declaration that declares it ({@link Kind#FN}), else null. */
    Ast.FnDecl declaredBy;
    /** The register holding the value, or the box when captured; -1 until allocated. */
    int reg = -1;

    LocalVar(String name, Kind kind, Object fn, int typeCode) {
        this.name = name;
        this.kind = kind;
        this.fn = fn;
        this.typeCode = typeCode;
    }

    @Override
    public String toString() {
        return name;
    }
}
