// fib(32) in plain Java, best of 8 calls in one process, beside fib_best.lm (docs/benchmarks.md).
public class FibBest { static long fib(long n){ return n<2?n:fib(n-1)+fib(n-2);} public static void main(String[] a){ long best=Long.MAX_VALUE; for(int r=0;r<8;r++){ long t=System.nanoTime(); fib(32); best=Math.min(best,System.nanoTime()-t);} System.out.println(best/1000+" us");}}
