"""The faculty QA review screen: the queue of trainees' performed scans and the review of one."""
