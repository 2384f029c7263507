/** A host that is a module of its own: it reads Limn's API through {@code requires dev.limn.core}. */
module example.host {
    requires dev.limn.core;
}
