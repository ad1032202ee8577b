"""Text signals: sentence embeddings, topics and BERTScore coherence."""
