/**
 * Closed-form results of queueing theory that the simulator is validated against
 * (test/bench/simulator-validation.test.ts).
 */

/**
 * Erlang's C formula: the probability that an arrival to an M/M/c queue has to wait.
 * Computed with the numerically stable Erlang B recursion, B(0) = 1, B(k) = a·B(k-1) / (k + a·B(k-1)),
 * then C = B / (1 - ρ(1 - B)).
 *
 * @param servers - c, the number of servers
 * @param offered - a = λ/μ, the offered load in Erlangs (must be < c)
 */
export function erlangC(servers: number, offered: number): number {
  const rho = offered / servers;
  if (!(rho < 1)) throw new RangeError(`erlangC: load ${offered} is not below ${servers} servers`);
  let b = 1;
  for (let k = 1; k <= servers; k++) b = (offered * b) / (k + offered * b);
  return b / (1 - rho * (1 - b));
}

/**
 * Mean waiting time in queue of an M/M/c queue: W_q = C(c, λ/μ) / (cμ - λ).
 *
 * @param servers - c
 * @param arrivalRate - λ (per ms)
 * @param serviceRate - μ, per server (per ms)
 * @returns the mean wait (ms)
 */
export function mmcMeanWait(servers: number, arrivalRate: number, serviceRate: number): number {
  return erlangC(servers, arrivalRate / serviceRate) / (servers * serviceRate - arrivalRate);
}

/**
 * The supermarket model (Mitzenmacher, "The Power of Two Choices in Randomized Load Balancing",
 * 2001; Vvedenskaya, Dobrushin and Karpelevich 1996): n → ∞ FIFO servers with exponential service
 * of mean 1 and Poisson arrivals at rate λn, each joining the shortest of d queues chosen at random.
 * The expected time in system is T_d(λ) = Σ_{i≥1} λ^((d^i − d)/(d − 1)); for d = 2 and λ = 0.9 it is
 * 2.614 mean service times (against 10 for random choice, d = 1).
 *
 * @param load - λ in (0, 1)
 * @param choices - d >= 2
 * @returns the mean time in system, in units of the mean service time
 */
export function supermarketMeanSojourn(load: number, choices = 2): number {
  let sum = 0;
  for (let i = 1; ; i++) {
    const term = load ** ((choices ** i - choices) / (choices - 1));
    sum += term;
    if (term < 1e-12) return sum;
  }
}
