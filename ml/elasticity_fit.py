"""The numerics of the price-elasticity model: one log-log regression per product, and
empirical-Bayes pooling of those estimates within a category.

Per product: ``log q_t = a + b log p_t + c log(category demand_t) + d t + e_t`` by OLS with
heteroskedasticity-robust (HC1) standard errors (numpy; statsmodels gives the same
numbers, a slow test checks, but takes seconds to import); ``b`` is the elasticity, the category's
demand (without the product) controls for season and holidays, ``t`` (years) for trend.

Pooling: the category's mean elasticity ``mu`` and the spread of true elasticities
``tau^2`` come from a DerSimonian-Laird random-effects meta-analysis of its products'
estimates; a product's own estimate is then shrunk toward ``mu`` with weight
``tau^2 / (tau^2 + se^2)`` (the posterior mean under a normal prior), so a noisy estimate
moves most. A product without an own estimate gets ``mu`` with the predictive variance
``tau^2 + var(mu)``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Z95 = 1.959963984540054
SE_FLOOR = 0.05  # no estimate is taken as more precise than this in the pooling


@dataclass(frozen=True)
class OwnFit:
    estimate: float
    se: float
    n_obs: int
    r2: float


@dataclass(frozen=True)
class Pool:
    """A category's random-effects summary of its products' own estimates."""
    mu: float
    mu_var: float
    tau2: float
    n_products: int


def design(log_price: np.ndarray, controls: np.ndarray) -> np.ndarray:
    """Columns: intercept, log price, then the controls (one column each)."""
    controls = np.asarray(controls, dtype=float).reshape(len(log_price), -1)
    return np.column_stack([np.ones(len(log_price)), log_price, controls])


def ols_hc1(y: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """OLS coefficients, their HC1 standard errors and R^2 (pseudo-inverse, so a
    collinear column gets a zero coefficient rather than an error)."""
    y = np.asarray(y, dtype=float)
    n, k = X.shape
    xtx_inv = np.linalg.pinv(X.T @ X)
    beta = xtx_inv @ X.T @ y
    resid = y - X @ beta
    meat = (X * resid[:, None] ** 2).T @ X
    cov = xtx_inv @ meat @ xtx_inv * (n / max(n - k, 1))
    tss = float(np.sum((y - y.mean()) ** 2))
    r2 = 1 - float(resid @ resid) / tss if tss > 0 else 0.0
    return beta, np.sqrt(np.maximum(np.diag(cov), 0.0)), r2


def fit_own(log_q: np.ndarray, log_price: np.ndarray, controls: np.ndarray) -> OwnFit:
    """OLS of log demand on log price and controls; the price slope with its HC1 SE."""
    beta, se, r2 = ols_hc1(log_q, design(log_price, controls))
    return OwnFit(estimate=float(beta[1]), se=float(se[1]), n_obs=int(len(log_q)), r2=r2)


def refit_given_slope(log_q: np.ndarray, log_price: np.ndarray, controls: np.ndarray,
                      slope: float) -> np.ndarray:
    """Coefficients (intercept, slope, controls...) with the price slope held at ``slope``."""
    X = design(log_price, controls)
    rest = np.delete(X, 1, axis=1)
    coef, *_ = np.linalg.lstsq(rest, np.asarray(log_q, dtype=float) - slope * X[:, 1], rcond=None)
    return np.insert(coef, 1, slope)


def random_effects(estimates: np.ndarray, ses: np.ndarray) -> Pool:
    """DerSimonian-Laird pooled mean, its variance, and between-product variance tau^2."""
    b = np.asarray(estimates, dtype=float)
    v = np.maximum(np.asarray(ses, dtype=float), SE_FLOOR) ** 2
    if len(b) == 0:
        raise ValueError("random_effects needs at least one estimate")
    w = 1.0 / v
    mu_fixed = float(np.sum(w * b) / np.sum(w))
    q = float(np.sum(w * (b - mu_fixed) ** 2))
    denom = float(np.sum(w) - np.sum(w ** 2) / np.sum(w))
    tau2 = max(0.0, (q - (len(b) - 1)) / denom) if denom > 0 else 0.0
    w_star = 1.0 / (v + tau2)
    mu = float(np.sum(w_star * b) / np.sum(w_star))
    return Pool(mu=mu, mu_var=float(1.0 / np.sum(w_star)), tau2=float(tau2), n_products=len(b))


def shrink(own: OwnFit, pool: Pool) -> tuple[float, float, float]:
    """(posterior mean, posterior SE, own weight) of an own estimate pulled toward its pool."""
    v = max(own.se, SE_FLOOR) ** 2
    weight = pool.tau2 / (pool.tau2 + v) if pool.tau2 > 0 else 0.0
    mean = weight * own.estimate + (1 - weight) * pool.mu
    var = weight * v + (1 - weight) ** 2 * pool.mu_var
    return float(mean), float(np.sqrt(var)), float(weight)


def pooled_only(pool: Pool) -> tuple[float, float]:
    """(estimate, predictive SE) for a product with no own estimate."""
    return pool.mu, float(np.sqrt(pool.tau2 + pool.mu_var))


def ci95(estimate: float, se: float) -> tuple[float, float]:
    return estimate - Z95 * se, estimate + Z95 * se
