"""Problem coordination (问题协调), government commitments (政府承诺) and in-portal notifications."""
