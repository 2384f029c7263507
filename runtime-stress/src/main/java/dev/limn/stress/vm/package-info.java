/**
 * jcstress tests of the VM's shared state: the box of a variable that tasks write
 * ({@link dev.limn.stress.vm.BoxReadModifyWriteStress}: no lost update, no torn write).
 */
package dev.limn.stress.vm;
