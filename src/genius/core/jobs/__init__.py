"""Long jobs and their leases: a job's worker renews its lease; the relay requeues a job whose lease
lapsed (its worker died), so a long job survives ``kill -9`` on either broker."""
