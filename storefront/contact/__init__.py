"""Messages from users through the contact form (DSA Art. 12), stored and acknowledged by e-mail."""
