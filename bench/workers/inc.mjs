// The tiny task as a piscina or tinypool user writes it: a default export of the plain argument
// (`pool.run(x)`), no object to clone per task.
export default (x) => x + 1;
