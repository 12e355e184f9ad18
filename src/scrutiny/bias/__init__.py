"""Tests of bias: the threshold test (Bayesian, NumPyro; optional extra ``scrutiny[bias]``)."""
